"""The admin console (``/admin/``), one module per page family.

Reviews, waves and uploads (:mod:`.reviews`), people and forms, mail, results and downloads,
the development loop, privacy and the audit log; :mod:`.console` and :mod:`.sessions` hold
what every page shares (who is logged in, CSRF, the signed session cookie).
"""
