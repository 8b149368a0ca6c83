"""What a simulation returns: its waves, the whole review and the planted truth behind it.

:func:`colead.simulation.review.simulate` builds these; its module docstring describes the
model whose values :class:`GroundTruth` holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from colead.framework.model import Framework


@dataclass(frozen=True)
class GroundTruth:
    """The planted values behind one simulated review.

    Attributes
    ----------
    scale_means
        ``mu`` per person-family scale, before site, level and person effects.
    site_effects
        Index site, columns person-family scale ids: planted deviations (centred over sites).
    level_effects, management_level_effects
        Offset per level (1..5) on leadership ("passion") and on every other person family.
    self_inflation, rater_leniency_sd
        Self-rating bonus, sd of the per-rater leniency.
    view_sd, site_view_sd
        sd of a rater's own view of one ratee on one person scale, and of a respondent's own
        view of their site on one site scale (shared by the scale's items, the same in both
        waves).
    target_alpha
        Planted Cronbach's alpha of one form per scale (observer forms for person scales);
        see :mod:`colead.simulation.instrument`.
    item_noise_sd
        sd of the noise of each item (1–5 metric), set to give its scale ``target_alpha``.
    item_offsets
        Offset per item (centred within its scale).
    person_true, person_true_followup
        Index person_id, columns person-family scale ids: true scores (1–5) in each wave.
    site_systems
        Index site, columns site-family scale ids: true site means (same in both waves).
    site_leadership
        Index site, columns ``baseline``, ``follow_up``: site mean of true leadership.
    programme_effect
        Planted gain of a completer per person-family scale (non-completers gain half;
        non-leadership scales 0).
    general_drift
        Change of everybody's leadership between the waves.
    enrolled, completed
        person_ids enrolled in, and completing, the programme.
    kpi_leadership_slope
        Per KPI: change per +1 point of site leadership, signed so that better leadership
        gives a better KPI.
    """

    scale_means: dict[str, float]
    site_effects: pd.DataFrame
    level_effects: dict[int, float]
    management_level_effects: dict[int, float]
    self_inflation: float
    rater_leniency_sd: float
    view_sd: float
    site_view_sd: float
    target_alpha: dict[str, float]
    item_noise_sd: dict[str, float]
    item_offsets: dict[str, float]
    person_true: pd.DataFrame
    person_true_followup: pd.DataFrame
    site_systems: pd.DataFrame
    site_leadership: pd.DataFrame
    programme_effect: dict[str, float]
    general_drift: float
    enrolled: frozenset[str]
    completed: frozenset[str]
    kpi_leadership_slope: dict[str, float]


@dataclass(frozen=True, eq=False)
class SimulatedWave:
    """One wave: every nomination, the completed forms and their value matrix.

    ``values`` row *i* belongs to ``responses`` row *i*; ``period`` is the KPI quarter in
    which the wave ran.
    """

    name: str
    nominations: pd.DataFrame
    responses: pd.DataFrame
    values: npt.NDArray[np.int8]
    period: str = ""

    def to_wide(self, framework: Framework) -> pd.DataFrame:
        """Canonical wide layout: one nullable ``Int64`` column per item, NA when not answered.

        Raises
        ------
        ValueError
            if ``framework`` has a different number of items from the value matrix.
        """
        ids = framework.item_ids
        if self.values.shape[1] != len(ids):
            raise ValueError(f"values have {self.values.shape[1]} columns, framework {len(ids)}")
        resp = self.responses
        columns: dict[str, object] = {c: resp[c] for c in ("wave", "ratee_id", "rater_id")}
        columns["relation"] = resp["relation"]
        for j, item in enumerate(ids):
            col = self.values[:, j]
            columns[item] = pd.arrays.IntegerArray(col.astype(np.int64), col < 0)
        columns["comment_strengths"] = resp["comment_strengths"]
        columns["comment_suggestions"] = resp["comment_suggestions"]
        return pd.DataFrame(columns, index=resp.index)


@dataclass(frozen=True, eq=False)
class SimulatedReview:
    """A whole simulated relationship review; see the module docstring for the model."""

    name: str
    seed: int
    size: str
    organisations: pd.DataFrame
    sites: pd.DataFrame
    people: pd.DataFrame
    waves: tuple[SimulatedWave, ...]
    kpis: pd.DataFrame
    programme: dict[str, object]
    enrolments: pd.DataFrame
    truth: GroundTruth
    #: sessions attended per enrolled person (``person_id, sessions_attended, sessions_total``)
    attendance: pd.DataFrame = field(default_factory=pd.DataFrame)
