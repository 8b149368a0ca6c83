"""Result types of the analysis engine.

Frozen dataclasses holding tidy (long) DataFrames, so later statistics can add columns and
new result kinds without breaking readers. Every table carries the n behind each number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from colead.analysis.individual import PersonQuadrants, SelfOtherGaps, TitleVsLeading
    from colead.analysis.programme import ProgrammeEvaluation


@dataclass(frozen=True)
class Participation:
    """Invited and completed forms.

    Each table has columns ``group, invited, completed, rate`` (rate in 0..1).
    Rows are grouped by the *rater's* organisation and site, and by relation.
    """

    by_organisation: pd.DataFrame
    by_site: pd.DataFrame
    by_relation: pd.DataFrame
    invited: int
    completed: int

    @property
    def rate(self) -> float:
        return self.completed / self.invited if self.invited else float("nan")


@dataclass(frozen=True)
class PersonScores:
    """Scale scores of each rated person by rater group, after anonymity folding.

    ``table`` columns: ``ratee_id, scale_id, group, n_raters, mean, sd``. ``group`` is a
    relation (``self``, ``manager``, ``peer`` ...), ``others`` for groups folded together
    because they were below the anonymity minimum, or ``observers`` for all non-self
    raters combined. Groups that could identify a rater are absent.

    ``observer_means`` is a wide ratee × scale table of the mean over the non-self raters
    in shown groups (hidden raters are left out, so that no difference of aggregates can
    recover them), used only inside aggregates (site, organisation, level) and never shown
    per person unless the same value is present in ``table``. ``observer_counts`` counts
    every non-self rater, hidden ones included.
    """

    table: pd.DataFrame
    observer_means: pd.DataFrame
    observer_counts: pd.DataFrame


@dataclass(frozen=True)
class Profile:
    """Mean scale scores of groups of people (sites, organisations, levels).

    ``table`` columns: ``group, scale_id, n_people, n_raters, mean, sd, shown``.
    ``mean`` and ``sd`` are NaN where ``shown`` is False (group below the anonymity minimum).
    ``by`` names the grouping column of the people table (``site``, ``organisation``, ``level``).
    """

    by: str
    table: pd.DataFrame
    minimum: int

    def wide(self, value: str = "mean") -> pd.DataFrame:
        """Group × scale table of ``value`` (shown groups only)."""
        shown = self.table[self.table["shown"]]
        return shown.pivot(index="group", columns="scale_id", values=value)


@dataclass(frozen=True)
class ContinuumPosition:
    """Where groups stand on "passion" (leadership) and "system" (management).

    ``table`` columns: ``group, passion, system, n_people, quadrant`` where quadrant is one
    of ``QUADRANTS``. ``threshold`` is the family mean at or above which an axis is present.
    """

    table: pd.DataFrame
    threshold: float
    passion_family: str
    system_family: str


@dataclass(frozen=True)
class ScaleInfo:
    id: str
    title: str
    family: str
    n_items: int


@dataclass(frozen=True)
class MeasurementQuality:
    """How well the scales measured in this wave.

    ``reliability``: ``scale_id, alpha, ci_low, ci_high, omega, n, k, reason``.
    ``site_variability``: ICC(1)/ICC(2) of people within sites per scale with a ``verdict``.
    ``person_agreement``: rwg(j) of each person's observers per scale; ``agreement_summary``
    per scale: ``n_people`` with a value, ``median_rwg`` and ``share_agreeing`` (rwg ≥ .70).
    ``site_agreement``: rwg(j) of each site's respondents on the site-rated scales;
    ``site_behaviour_agreement``: rwg(j) of all observers' forms about a site's people.
    """

    reliability: pd.DataFrame
    site_variability: pd.DataFrame
    person_agreement: pd.DataFrame
    agreement_summary: pd.DataFrame
    site_agreement: pd.DataFrame
    site_behaviour_agreement: pd.DataFrame | None = None


@dataclass(frozen=True)
class ChangeSinceBaseline:
    """Change of the published group figures from a baseline wave to this one.

    ``changes`` columns: ``by`` (``relationship``, ``organisation``, ``site``), ``group``,
    ``measure`` (a family id, or a practice id for the relationship's practice rows),
    ``kind`` (``family`` or ``practice``), ``n_before``, ``n_after`` (people behind the
    figure: the smallest practice n), ``before``, ``after``, ``change`` (after - before),
    ``ci_low``, ``ci_high`` (95% CI of the change), ``df``, ``method`` (``paired``,
    ``partly_paired`` or ``welch``), ``shown`` and ``reason``. Values are NaN where
    ``shown`` is False.

    ``positions`` columns: ``by, group, before, after`` (passion/system quadrant codes),
    ``moved`` and ``shown``; empty when the framework has no continuum.
    """

    baseline_wave: str
    follow_up_wave: str
    minimum: int
    changes: pd.DataFrame
    positions: pd.DataFrame
    threshold: float | None = None


@dataclass(frozen=True)
class ReviewResults:
    """Everything the relationship review report shows for one wave."""

    review: str
    wave: str
    framework_label: str
    anonymity_minimum: int
    scale_min: int
    scale_max: int
    scales: tuple[ScaleInfo, ...]
    families: dict[str, str]  # family id -> title
    n_people: int
    n_sites: int
    n_organisations: int
    participation: Participation
    person_scores: PersonScores
    organisation_profile: Profile
    site_profile: Profile
    level_profile: Profile
    systems_by_site: Profile
    #: passion/system position of each site
    continuum: ContinuumPosition | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    description: str | None = None
    #: label of each response scale point, lowest first
    scale_labels: tuple[str, ...] = ()
    min_answered_fraction: float = 2 / 3
    #: form scores by rater relation over the whole review
    relation_profile: Profile | None = None
    #: the framework's competences, derived from practice means
    competences_by_organisation: Profile | None = None
    competences_by_site: Profile | None = None
    self_other: SelfOtherGaps | None = None
    title_vs_leading: TitleVsLeading | None = None
    #: counts of people per passion/system quadrant
    person_quadrants_by_site: PersonQuadrants | None = None
    person_quadrants_by_organisation: PersonQuadrants | None = None
    #: passion/system position of each organisation
    continuum_by_organisation: ContinuumPosition | None = None
    measurement: MeasurementQuality | None = None
    #: percentile and band of site / organisation means against a norm set
    benchmark_by_site: pd.DataFrame | None = None
    benchmark_by_organisation: pd.DataFrame | None = None
    norms_source: str | None = None
    norms_synthetic: bool = False
    #: site-level KPI linkage of the passion composite (see analysis.outcomes.wave_linkage)
    linkage: pd.DataFrame | None = None
    #: the site points behind the same-period linkage: ``kpi, site, behaviour, value``
    linkage_points: pd.DataFrame | None = None
    wave_period: str | None = None
    #: programme evaluation against the first wave (set when the review has two waves)
    evaluation: ProgrammeEvaluation | None = None
    #: change of the published site, organisation and relationship figures since the
    #: review's first wave (set when that wave is published and uses the same framework)
    change_since_baseline: ChangeSinceBaseline | None = None

    def scales_of(self, family: str) -> tuple[ScaleInfo, ...]:
        return tuple(s for s in self.scales if s.family == family)
