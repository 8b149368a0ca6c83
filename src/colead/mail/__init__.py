"""E-mail: letters and their wording, the packaged templates, SMTP, and bounces.

Sending through one SMTP connection per batch (:mod:`.smtp`), the wording of letters
(:mod:`.wording`, :mod:`.review_wording`, templates in ``templates/``), what the console shows
of a wave's mail (:mod:`.overview`) and delivery failure reports (:mod:`.bounces`).
"""
