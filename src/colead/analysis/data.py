"""The input of the analysis engine: one wave's data, already out of the database."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.framework import Framework


@dataclass(frozen=True)
class WaveData:
    """One wave of one review, as plain tables and one value matrix.

    Attributes
    ----------
    people
        One row per person: ``person_id, name, organisation, organisation_role, site,
        level, manager_id``. ``person_id`` is the review's own (external) id.
    assignments
        Every form asked for: ``ratee_id, rater_id, relation, completed`` (bool).
    responses
        One row per completed form: ``ratee_id, rater_id, relation``; row *i* belongs to
        row *i* of ``values``.
    values
        int8 codes, shape (n responses, n framework items), in framework item order:
        scale points, or ``domain.BLANK`` / ``domain.NOT_OBSERVED``.
    """

    review: str
    wave: str
    framework: Framework
    people: pd.DataFrame
    assignments: pd.DataFrame
    responses: pd.DataFrame
    values: np.ndarray
    description: str | None = None
    #: KPI period in which the wave ran ("2024-Q4"), if known
    period: str | None = None

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[0] != len(self.responses):
            raise ValueError("values must have one row per response")
        if self.values.shape[1] != len(self.framework.item_ids):
            raise ValueError("values must have one column per framework item")
