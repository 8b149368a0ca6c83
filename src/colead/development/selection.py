"""Job: who to develop, from a stored wave's evidence.

Loads one wave, analyses it, ranks people and sites by development need
(:mod:`colead.analysis.selection`) and, given a cohort (a CSV of person ids or the people
enrolled in a programme), checks its level mix against where the need is. Read-only: no
change is written, so nothing goes to the audit log.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from colead.analysis import analyse_wave
from colead.analysis.benchmark import Norm
from colead.analysis.selection import (
    CohortCheck,
    PersonNeed,
    Selection,
    check_cohort,
    rank_results,
)
from colead.errors import InvalidData
from colead.fieldwork.release import published_wave
from colead.ingest.tables import read_table
from colead.store.engine import snapshot
from colead.store.reviews import get_review, load_framework_version
from colead.store.selection import enrolled_person_ids
from colead.store.waves import load_wave_data

__all__ = [
    "SelectionReport",
    "read_cohort_file",
    "run_selection",
    "select_participants",
    "selection_record",
]

#: Column names accepted for the person id of a cohort file (after normalising).
_ID_COLUMNS = ("person_id", "id", "person")


@dataclass(frozen=True)
class SelectionReport:
    """The ranking of one wave and, when a cohort was given, its check."""

    review: str
    wave: str
    selection: Selection
    cohort: CohortCheck | None = None
    #: where the cohort came from ("programme 'X'" or "file cohort.csv")
    cohort_source: str | None = None


def read_cohort_file(path: Path) -> list[str]:
    """Person ids from a CSV or XLSX file: its ``person_id`` column, or its only column."""
    frame = read_table(path)
    column = next((n for n in _ID_COLUMNS if n in frame.columns), None)
    if column is None and len(frame.columns) == 1:
        column = frame.columns[0]
    if column is None:
        raise InvalidData(
            f"{path}: no person_id column.",
            "Add a column named person_id with one person id per row.",
        )
    ids = [str(v).strip() for v in frame[column] if v is not None]
    return list(dict.fromkeys(v for v in ids if v))


def select_participants(
    engine: Engine,
    review: str,
    wave: str | None,
    minimum: int,
    *,
    norms: Mapping[str, Norm] | None = None,
    cohort: Sequence[str] | None = None,
    cohort_source: str | None = None,
    programme: str | None = None,
) -> SelectionReport:
    """Rank one stored wave (the latest when ``wave`` is None) and check a cohort.

    ``programme`` takes the cohort from the people enrolled in it; it and ``cohort``
    must not both be given.
    """
    if cohort is not None and programme is not None:
        raise InvalidData("Give a cohort file or a programme, not both.")
    with snapshot(engine) as session:
        found = get_review(session, review)
        chosen = published_wave(session, found, wave)
        framework = load_framework_version(session, chosen.framework_version_id)
        data = load_wave_data(session, found, chosen, framework)
        if programme is not None:
            cohort = enrolled_person_ids(session, found.id, programme)
            cohort_source = f"programme {programme!r}"
    results = analyse_wave(data, minimum, norms=norms)
    selection = rank_results(results, data.people, norms=norms)
    check = check_cohort(cohort, data.people, selection) if cohort is not None else None
    return SelectionReport(
        review=data.review,
        wave=data.wave,
        selection=selection,
        cohort=check,
        cohort_source=cohort_source if check is not None else None,
    )


def run_selection(
    database_url: str,
    review: str,
    wave: str | None,
    minimum: int,
    *,
    norms: Mapping[str, Norm] | None = None,
    cohort_file: Path | None = None,
    programme: str | None = None,
) -> SelectionReport:
    """:func:`select_participants` on a database URL, reading a cohort file if given."""
    from colead.store import open_database

    cohort = read_cohort_file(cohort_file) if cohort_file is not None else None
    engine = open_database(database_url)
    try:
        return select_participants(
            engine,
            review,
            wave,
            minimum,
            norms=norms,
            cohort=cohort,
            cohort_source=f"file {cohort_file.name}" if cohort_file is not None else None,
            programme=programme,
        )
    finally:
        engine.dispose()


def selection_record(report: SelectionReport, top: int | None = None) -> dict[str, Any]:
    """The report as one JSON-ready object (``top`` limits the people listed)."""
    s = report.selection
    people = s.people if top is None else s.people[:top]
    record: dict[str, Any] = {
        "review": report.review,
        "wave": report.wave,
        "anonymity_minimum": s.minimum,
        "practices": list(s.practices),
        "leading_threshold": s.threshold,
        "titled_levels": list(s.titled_levels),
        "par_source": s.par_source,
        "practices_without_norm": list(s.practices_without_norm),
        "n_ranked": len(s.people),
        "n_in_need": len(s.in_need),
        "n_not_ranked": s.n_not_ranked,
        "people": [_person(p) for p in people],
        "sites": [
            {
                "rank": site.rank,
                "site": site.site,
                "n_people": site.n_people,
                "n_in_need": site.n_in_need,
                "share_in_need": site.share_in_need,
                "shown": site.shown,
            }
            for site in s.sites
        ],
        "cohort": None,
    }
    c = report.cohort
    if c is not None:
        record["cohort"] = {
            "source": report.cohort_source,
            "size": c.size,
            "top_levels": list(c.top_levels),
            "top_share": _number(c.top_share),
            "levels": [
                {
                    "level": m.level,
                    "label": m.label,
                    "cohort": m.cohort,
                    "cohort_share": _number(m.cohort_share),
                    "need": m.need,
                    "need_share": _number(m.need_share),
                }
                for m in c.levels
            ],
            "warnings": list(c.warnings),
            "unknown": list(c.unknown),
            "not_in_need": list(c.not_in_need),
            "not_ranked": list(c.not_ranked),
        }
    return record


def _person(p: PersonNeed) -> dict[str, Any]:
    return {
        "rank": p.rank,
        "person_id": p.person_id,
        "name": p.name,
        "level": p.level,
        "site": p.site,
        "role_title": p.role_title,
        "leadership": round(p.leadership, 3),
        "n_observers": p.n_observers,
        "lowest": [{"practice": k, "score": round(v, 3)} for k, v in p.lowest],
        "below_par": list(p.below_par),
        "n_practices": p.n_practices,
        "title_without_leading": p.title_without_leading,
        "in_need": p.in_need,
    }


def _number(value: float) -> float | None:
    """NaN (a share of nothing) becomes JSON null."""
    return None if math.isnan(value) else value
