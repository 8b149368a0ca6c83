"""Results as plain JSON-ready data with stable keys (the schema is docs/results-schema.md).

Rules: every table becomes a list of records; NaN and infinities become ``null``; a record
whose values were withheld for anonymity carries ``"reason"`` saying so, and any other
``null`` value in a record is explained in ``"null_reasons"``. Wide views meant only for
aggregation (``PersonScores.observer_means``/``observer_counts``) are never exported: they
could show an observer mean that the anonymity rule hides.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from colead.analysis.results import Profile, ReviewResults

__all__ = ["SCHEMA_VERSION", "results_to_dict", "to_jsonable"]

SCHEMA_VERSION = "1"

#: fields that must not leave the engine
_PRIVATE = {"observer_means", "observer_counts"}


def results_to_dict(results: ReviewResults) -> dict[str, Any]:
    """The whole of one wave's results, ready for ``json.dumps``."""
    body = to_jsonable(results, minimum=results.anonymity_minimum)
    assert isinstance(body, dict)
    return {"schema_version": SCHEMA_VERSION, **body}


def to_jsonable(value: Any, *, minimum: int = 3) -> Any:
    """Convert results (dataclasses, DataFrames, numpy scalars) to JSON-safe values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for item in dataclasses.fields(value):
            if item.name in _PRIVATE:
                continue
            out[item.name] = to_jsonable(getattr(value, item.name), minimum=minimum)
        if isinstance(value, Profile):
            out["records"] = out.pop("table")
        return out
    if isinstance(value, pd.DataFrame):
        return _records(value, minimum)
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v, minimum=minimum) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, minimum=minimum) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, minimum=minimum) for v in value]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _records(frame: pd.DataFrame, minimum: int) -> list[dict[str, Any]]:
    records = []
    for raw in frame.to_dict(orient="records"):
        record: dict[str, Any] = {str(k): _scalar(v) for k, v in raw.items()}
        if record.get("shown") is False:
            record["reason"] = f"not shown: fewer than {minimum} people or raters in this group"
        else:
            missing = [k for k, v in record.items() if v is None and k not in _OPTIONAL]
            if missing:
                record["null_reasons"] = {k: _why_null(k) for k in missing}
        records.append(record)
    return records


def _why_null(column: str) -> str:
    if column in {"sd", "ci_low", "ci_high"}:
        return "needs at least 2 values"
    return "no data for this value"


#: columns where null is an ordinary value, not a missing number
_OPTIONAL = {"manager_id", "email", "reason", "comment_strengths", "comment_suggestions"}
