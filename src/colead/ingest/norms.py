"""Import a norms table (one row per scale) into a named norm set."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from colead.framework import Framework
from colead.ingest.problems import (
    ImportReport,
    ProblemLog,
    RowNumbers,
    as_int,
    as_number,
    blank,
    column_values,
    require_columns,
    text,
)
from colead.store.norms import PERCENTILE_COLUMNS, replace_norm_set
from colead.store.reviews import audit

#: the largest n a norm can hold (a 32-bit integer column on every database)
MAX_NORM_N = 2**31 - 1


def import_norms(
    session: Session,
    frame: pd.DataFrame,
    source: str,
    *,
    name: str,
    framework: Framework,
    synthetic: bool = False,
    rows: RowNumbers | None = None,
    actor: str = "import",
) -> ImportReport:
    """Validate ``scale_id, n, mean, sd[, p5 … p95, source]`` rows and store them as ``name``.

    Rows naming an unknown scale, with a non-positive n or sd, a mean outside the response
    scale or percentiles that decrease are rejected; the rest are stored.
    """
    require_columns(frame, ("scale_id", "n", "mean", "sd"), source, "norms")
    rows = rows or RowNumbers()
    report = ImportReport(kind="norms", source=source, rows=len(frame))
    log = ProblemLog(report)
    scales = set(framework.scale_ids)
    low, high = framework.response_scale.minimum, framework.response_scale.maximum
    records: dict[str, dict[str, Any]] = {}
    sources = {text(v) for v in column_values(frame, "source")} - {None}
    for position in range(len(frame)):
        row = rows(position)
        raw = frame.iloc[position]
        before = len(report.problems)
        scale = text(raw.get("scale_id"))
        n = as_int(raw.get("n"))
        mean, sd = as_number(raw.get("mean")), as_number(raw.get("sd"))
        if scale is None or scale not in scales:
            log(
                row,
                "scale_id",
                scale,
                "is not a scale of the framework",
                f"Use one of the framework's scale ids, e.g. {', '.join(sorted(scales)[:5])}.",
            )
        elif scale in records:
            log(row, "scale_id", scale, "appears twice", "Give one row per scale.")
        if n is None or not 2 <= n <= MAX_NORM_N:
            log(
                row,
                "n",
                raw.get("n"),
                f"is not a whole number from 2 to {MAX_NORM_N}",
                "Give the number of people behind the norm.",
            )
        if mean is None or not low <= mean <= high:
            log(
                row,
                "mean",
                raw.get("mean"),
                f"is not a number from {low} to {high}",
                "Give the norm group's mean on the response scale.",
            )
        if sd is None or sd <= 0:
            log(
                row,
                "sd",
                raw.get("sd"),
                "is not a positive number",
                "Give the norm group's standard deviation.",
            )
        points: dict[str, float | None] = {}
        for column in PERCENTILE_COLUMNS:
            value = raw.get(column) if column in frame.columns else None
            points[column] = as_number(value)
            if not blank(value) and points[column] is None:
                log(row, column, value, "is not a number", "Give a number or leave it empty.")
        given = [v for v in points.values() if v is not None]
        if any(b < a for a, b in pairwise(given)):
            log(
                row,
                "p5",
                None,
                "percentiles decrease from left to right",
                "Percentile values must not go down from p5 to p95.",
            )
        if len(report.problems) > before:
            continue
        assert scale is not None
        records[scale] = {"scale_id": scale, "n": n, "mean": mean, "sd": sd, **points}
    norm_set, report.inserted, report.updated, report.unchanged = replace_norm_set(
        session,
        name,
        list(records.values()),
        source="; ".join(sorted(s for s in sources if s)) or source,
        synthetic=synthetic,
    )
    audit(
        session,
        actor,
        "import",
        "norms",
        norm_set.id,
        source=source,
        name=name,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected_rows),
    )
    return report
