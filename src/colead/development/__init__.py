"""The development loop, from evidence to impact.

Who to develop (:mod:`.selection`), programmes with costs and attendance (:mod:`.programmes`),
personal development plans (:mod:`.plans`, :mod:`.plan_views`, :mod:`.plan_reminders`), the
reaction questionnaire (:mod:`.reactions`, :mod:`.reaction_mail`), the relationship's own
improvement actions (:mod:`.review_actions`) and the money value of KPI units for the return
on investment (:mod:`.kpi_values`).
"""
