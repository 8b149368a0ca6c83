"""What the individual 360 report is built from, and the small functions its sections share.

:class:`WaveContext` is shared by every page of a wave, :class:`PersonData` is one rated
person's slice; both are prepared from an analysed wave by
:mod:`colead.jobs.person_reports`. The section builders live in :mod:`person_sections`,
:mod:`person_change`, :mod:`person_plan` and :mod:`person_summary`;
:mod:`colead.reports.person` puts the page together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from markupsafe import Markup
from scipy import stats

from colead.analysis.anonymity import OBSERVERS, OTHERS
from colead.analysis.benchmark import Norm
from colead.analysis.person_change import PersonChange
from colead.domain import Relation
from colead.framework import Framework, RatedUnit, Scale
from colead.reports.chart_specs import BarSeries, GroupedBars, format_score
from colead.reports.charts import render_chart
from colead.reports.tables import Cell, relation_label

if TYPE_CHECKING:
    from colead.development.plan_views import PlanDetail

SELF = Relation.self.value
MANAGER = Relation.manager.value
#: Rater groups in page order: relations, then folded small groups, then all observers.
GROUP_ORDER = (*(r.value for r in Relation), OTHERS, OBSERVERS)

#: (mean, sd, n raters) of one scale and group
Score = tuple[float, float, int]
#: (scale id, group) -> Score, the published cells of one person
Cells = dict[tuple[str, str], Score]
NO_SCORE: Score = (math.nan, math.nan, 0)


@dataclass(frozen=True)
class WaveContext:
    """What every person's page of one wave shares.

    ``site_systems``: site -> systems scale -> (mean, n people), for shown sites only.
    ``earlier_wave`` names the wave the change section compares with (None when there is
    none, e.g. at a review's first wave).
    """

    review: str
    wave: str
    framework: Framework
    minimum: int
    gap_margin: float = 0.5
    norms: Mapping[str, Norm] | None = None
    site_systems: Mapping[str, Mapping[str, tuple[float, int]]] = field(default_factory=dict)
    earlier_wave: str | None = None


@dataclass(frozen=True)
class PersonData:
    """One rated person's inputs.

    ``scores`` are this person's rows of ``PersonScores.table`` (``ratee_id, scale_id, group,
    n_raters, mean, sd``), already folded. ``self_codes`` is the person's own form (int8 codes
    in framework item order) or None; ``observer_codes`` (forms × items) and
    ``observer_relations`` are the other forms about them. ``systems_self`` holds their own
    systems scale scores, ``gaps`` their rows of ``SelfOtherGaps.table`` (computed from
    ``scores`` when None), ``competences`` (competence id, ``self`` or ``observers``) ->
    (mean, n). Comments hold text only: ``strengths`` and ``suggestions`` come only from the
    forms :func:`colead.analysis.disclosure.comment_forms` allows, and ``comments_shown`` says
    whether there are any such forms. ``change`` is their change from the wave's
    ``earlier_wave`` (None when there is none); ``plans`` their development plans up to this
    wave, or None when they were not looked up (the page then has no plan section).
    """

    person_id: str
    name: str
    scores: pd.DataFrame
    observer_codes: np.ndarray
    observer_relations: tuple[str, ...]
    self_codes: np.ndarray | None = None
    organisation: str = ""
    site: str = ""
    role_title: str = ""
    own_comments: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    systems_self: Mapping[str, float] = field(default_factory=dict)
    gaps: pd.DataFrame | None = None
    competences: Mapping[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    #: whether observers' comments may be shown (the disclosure rule for comments)
    comments_shown: bool = False
    #: the copy the person opens themselves: only it shows their own ratings of their site,
    #: which are anonymous site data for everyone else
    own_copy: bool = False
    change: PersonChange | None = None
    plans: tuple[PlanDetail, ...] | None = None


def group_label(group: str) -> str:
    """Reader-facing name of a rater group; the person's own rating is "You"."""
    if group == SELF:
        return "You"
    if group == OBSERVERS:
        return "All observers"
    return relation_label(group)


def lookup(scores: pd.DataFrame) -> Cells:
    """The person's published cells by (scale id, group)."""
    return {
        (str(r["scale_id"]), str(r["group"])): (
            float(r["mean"]),
            float(r["sd"]),
            int(r["n_raters"]),
        )
        for r in scores.to_dict("records")
    }


def person_scales(framework: Framework) -> list[tuple[str, list[Scale]]]:
    """(family title, scales) of the families that rate a person."""
    return [(f.title, f.scales) for f in framework.families if f.rates is RatedUnit.person]


def practice_list(framework: Framework) -> list[Scale]:
    """Every practice that rates a person, in framework order."""
    return [s for _, scales in person_scales(framework) for s in scales]


def with_n(mean: float, n: int) -> Cell:
    return Cell(f"{format_score(mean)} (n = {n})" if math.isfinite(mean) else "–")


def likely_range(value: Score | None) -> str:
    """95% interval of a group mean: mean ± t(0.975, n−1) · sd / √n."""
    if value is None or value[2] < 2 or not math.isfinite(value[1]):
        return "–"
    mean, sd, n = value
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return f"{format_score(mean - half)} to {format_score(mean + half)}"


def chart(
    wave: WaveContext, title: str, categories: Sequence[str], series: Sequence[BarSeries], cid: str
) -> Markup:
    low, high = wave.framework.response_scale.minimum, wave.framework.response_scale.maximum
    spec = GroupedBars(
        title=title,
        categories=tuple(categories),
        series=tuple(series),
        scale_min=low,
        scale_max=high,
        axis_label=f"Mean score ({low} to {high})",
        minimum=wave.minimum,
    )
    # The chart module escapes every piece of text it draws.
    return Markup(render_chart(spec, chart_id=cid))


def join_words(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
