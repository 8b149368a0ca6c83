"""Running a wave, from the roster to the last reminder.

The roster and the console's view of it (:mod:`.roster`), the wave's life cycle
(:mod:`.lifecycle`), raters nominated by participants (:mod:`.nominations`), survey links
(:mod:`.invitations`) and participant links (:mod:`.participant_links`, :mod:`.participants`),
the rater survey itself (:mod:`.survey`), invitations and reminders by e-mail
(:mod:`.wave_mail`, :mod:`.reminders`) and follow-up waves (:mod:`.follow_up`).
"""
