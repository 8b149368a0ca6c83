"""Validated records in, store writes out: one path for files, web forms and simulations."""

from colead.ingest.outcomes import import_enrolments, import_kpis, normalise_period
from colead.ingest.people import import_people
from colead.ingest.problems import ImportReport, RowNumbers, RowProblem, Severity
from colead.ingest.responses import import_nominations, import_responses

__all__ = [
    "ImportReport",
    "RowNumbers",
    "RowProblem",
    "Severity",
    "import_enrolments",
    "import_kpis",
    "import_nominations",
    "import_people",
    "import_responses",
    "normalise_period",
]
