"""Whole jobs the command line and the web share; the shells call these and only format.

The demo (:mod:`.demo`, with its development story), analysing a stored wave
(:mod:`.analyse`), exports (:mod:`.exports`), report files (:mod:`.report_files`,
:mod:`.person_reports`), norms (:mod:`.norms`), the results cache (:mod:`.results_cache`) and
drill-downs (:mod:`.drilldown`). Each job takes its settings and collaborators as arguments:
no global engine, no import-time state.
"""
