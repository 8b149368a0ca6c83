"""How import problems are reported: one record per problem, naming where and how to fix."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from colead.errors import InvalidData


class Severity(StrEnum):
    #: the row was not stored
    error = "error"
    #: the row was stored, one part of it was not (for example an unknown manager link)
    warning = "warning"


@dataclass(frozen=True)
class RowProblem:
    source: str
    row: int | None
    column: str | None
    value: Any
    message: str
    hint: str
    severity: Severity = Severity.error

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}. {self.hint}"


@dataclass
class ImportReport:
    """What an import did: counts, and every problem with its place in the source."""

    kind: str
    source: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: forms stored as in progress (unfinished in the survey tool; counted nowhere yet)
    in_progress: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    #: remarks about the file as a whole (e.g. fuzzy column matches to confirm)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted(
            {p.row for p in self.problems if p.severity is Severity.error and p.row is not None}
        )

    @property
    def accepted(self) -> int:
        return self.rows - len(self.rejected_rows)


class ProblemLog:
    """Adds problems of one source to a report: ``log(row, column, value, message, hint)``."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def __call__(
        self,
        row: int | None,
        column: str | None,
        value: Any,
        message: str,
        hint: str,
        severity: Severity = Severity.error,
    ) -> None:
        self.report.problems.append(
            RowProblem(self.report.source, row, column, value, message, hint, severity)
        )


class RowNumbers:
    """Row numbers as the user sees them (a CSV header is row 1, so data starts at 2)."""

    def __init__(self, first_data_row: int = 2) -> None:
        self.first = first_data_row

    def __call__(self, position: int) -> int:
        return position + self.first


def require_columns(frame: pd.DataFrame, required: Sequence[str], source: str, kind: str) -> None:
    """Refuse a whole table that lacks a required column (no row could be valid)."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InvalidData(
            f"{source}: the {kind} table has no column {', '.join(repr(m) for m in missing)}.",
            f"Required columns: {', '.join(required)}. "
            f"Present: {', '.join(map(str, frame.columns))}.",
        )


def blank(value: Any) -> bool:
    """None, NaN, pandas NA or an all-space string."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return value != value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: Any) -> str | None:
    return None if blank(value) else str(value).strip()


def as_number(value: Any) -> float | None:
    """A finite number, or None for blanks and anything that is not one."""
    if blank(value):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def as_int(value: Any) -> int | None:
    """A whole number ("3", "3.0"), or None for blanks and anything else."""
    number = as_number(value)
    return int(number) if number is not None and number.is_integer() else None


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if blank(value):
        return None
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


def column_values(frame: pd.DataFrame, name: str) -> list[Any]:
    """The values of an optional column, or None for every row when it is absent."""
    return list(frame[name]) if name in frame.columns else [None] * len(frame)


def map_unique(series: pd.Series, function: Any) -> pd.Series:
    """``series.map(function)`` computed once per distinct value.

    Files repeat the same few answers and ids thousands of times; mapping the distinct
    values and spreading them back keeps cell clean-up off the per-cell Python path.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([function(v) for v in uniques] + [function(None)], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=object)
