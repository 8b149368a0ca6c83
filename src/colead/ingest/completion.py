"""Whether an exported response was finished, and when it was recorded: the tool's own word.

Survey tools export unfinished responses beside finished ones (Qualtrics with
``Finished = False`` and ``Progress = 40``; LimeSurvey with an empty ``submitdate``).
colead reads the tool's own columns, under the canonical names
:mod:`colead.ingest.survey_tools` gives them, and never counts an unfinished response as a
completed form:

- ``completed``: true/false (``True``, ``1``, ``yes`` ...); when present, it decides;
- ``progress``: a percentage; below 100 means unfinished (used when ``completed`` is blank
  or absent);
- ``submitted_at``: when the column is present, a blank cell means unfinished.

``recorded_at`` (the tool's recorded, end or submit date) orders two responses of one
rater about one ratee: the later one is kept.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.ingest.problems import as_bool, as_number, column_values, text

__all__ = ["UNFINISHED_CHOICES", "Completion", "read_completion"]

#: what an import does with an unfinished response: store it as in progress, or reject it
UNFINISHED_CHOICES = ("keep", "reject")


@dataclass(frozen=True)
class Completion:
    """Per row of a table: finished or not (with the reason), and the recorded time."""

    finished: np.ndarray
    #: for unfinished rows, the columns that say so, e.g. "Finished = False, Progress = 40"
    reasons: tuple[str | None, ...]
    #: recorded times (NaT where unknown or unreadable), or None when the file has none
    recorded: pd.Series | None

    def reason(self, position: int) -> str:
        return self.reasons[position] or ""


def read_completion(frame: pd.DataFrame) -> Completion:
    """Read the completion columns of a wide response table (any may be absent)."""
    n = len(frame)
    recorded = _recorded(frame)
    if not {"completed", "progress", "submitted_at"} & set(frame.columns):
        return Completion(np.ones(n, dtype=bool), (None,) * n, recorded)
    completed = column_values(frame, "completed")
    progress = column_values(frame, "progress")
    submitted = column_values(frame, "submitted_at") if "submitted_at" in frame.columns else None
    finished = np.ones(n, dtype=bool)
    reasons: list[str | None] = [None] * n
    for position in range(n):
        said = as_bool(completed[position])
        percent = as_number(progress[position])
        why: list[str] = []
        if said is False:
            why.append(f"finished = {text(completed[position])}")
        elif said is None and percent is not None and percent < 100:
            why.append(f"progress = {percent:g} %")
        if submitted is not None and text(submitted[position]) is None:
            why.append("no submit date")
        if why:
            if said is False and percent is not None:
                why.append(f"progress = {percent:g} %")
            finished[position] = False
            reasons[position] = ", ".join(why)
    return Completion(finished, tuple(reasons), recorded)


def _recorded(frame: pd.DataFrame) -> pd.Series | None:
    if "recorded_at" not in frame.columns:
        return None
    with warnings.catch_warnings():
        # Tools write their own date formats; an unreadable one orders by file position.
        warnings.simplefilter("ignore")
        return pd.to_datetime(
            frame["recorded_at"].reset_index(drop=True), errors="coerce", format="mixed", utc=True
        )
