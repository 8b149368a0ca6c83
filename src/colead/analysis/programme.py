"""Evaluate a development programme between two waves of one review.

Behaviour (Kirkpatrick level 3): each person's observer scores at baseline and follow-up,
paired change by enrolment, reliable change, and difference-in-differences of enrolled
versus not enrolled people clustered by site. Results (level 4): each KPI's change at sites
where many staff were enrolled versus sites where few were, over the periods before the
programme started and after it ended. The statistics are in :mod:`evaluation`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from colead.analysis.application import plan_progress
from colead.analysis.baseline_adjusted import AdjustedEffect, ancova_effect
from colead.analysis.evaluation import (
    DiffInDiff,
    ReliableChange,
    difference_in_differences,
    paired_change,
    reliable_change,
    site_kpi_did,
)
from colead.analysis.individual import family_means
from colead.analysis.kirkpatrick import (
    KirkpatrickSummary,
    kirkpatrick_summary,
    kpi_evidence,
)
from colead.analysis.programme_roi import UnitValue, programme_roi
from colead.analysis.roi import ProgrammeCosts, RoiResult

__all__ = [
    "ProgrammeEvaluation",
    "UnitValue",
    "evaluate_programme",
    "period_bounds",
    "programme_roi",
]

#: A site counts as "treated" when at least this share of its people were enrolled.
DEFAULT_SITE_THRESHOLD = 0.2


@dataclass(frozen=True)
class ProgrammeEvaluation:
    """Did behaviours change, and did results follow?

    ``change``: per ``measure`` (a scale id or the family composite) and ``group``
    (``enrolled``, ``not_enrolled``): ``n, mean_pre, mean_post, mean_change, ci_low,
    ci_high, p, d_z, d_av, reason``. ``did``: per measure, the difference-in-differences of
    enrolled versus not enrolled (``effect, se, ci_low, ci_high, p, n_treated, n_control,
    n_clusters, reason``) and the baseline-adjusted effect (``adjusted_effect,
    adjusted_ci_low, adjusted_ci_high, adjusted_p, baseline_slope, baseline_gap,
    adjusted_reason``; :func:`ancova_effect`), the primary estimate.
    ``reliable_change``: per group, how many people improved, stayed within measurement
    error or deteriorated on the composite. ``kpi_did``: per KPI, the site-level
    difference-in-differences and the baseline-adjusted effect (same columns as ``did``,
    positive = better), ``estimate, estimate_ci_low, estimate_ci_high`` (the adjusted effect
    when estimable), ``p_holm`` and ``verdict`` after Holm's adjustment across the KPIs
    (:func:`kpi_evidence`). ``kirkpatrick``: levels 1–4. ``application``: plan progress
    of the enrolled people (:func:`plan_progress`; empty without plans).
    ``kpi_by_site``: per KPI and site, ``n_people, share_enrolled, treated, before, after,
    change, improvement`` (``before``/``after``: the KPI's mean over the periods before and
    after the programme; ``improvement``: ``change`` signed so that positive is better).
    """

    baseline_wave: str
    follow_up_wave: str
    composite: str
    change: pd.DataFrame
    did: pd.DataFrame
    reliable_change: pd.DataFrame
    reliability: float
    kpi_did: pd.DataFrame
    kirkpatrick: tuple[KirkpatrickSummary, ...]
    n_enrolled: int
    n_completed: int
    site_threshold: float
    pre_periods: tuple[str, ...]
    post_periods: tuple[str, ...]
    kpi_by_site: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Phillips level 5, when KPI values and programme costs were given and a valued KPI's
    #: change could be isolated; ``roi_notes`` say why not, or where the costs come from
    roi: RoiResult | None = None
    roi_currency: str | None = None
    roi_notes: tuple[str, ...] = ()
    kpi_values: tuple[UnitValue, ...] = ()
    costs: ProgrammeCosts | None = None
    application: pd.DataFrame = field(default_factory=pd.DataFrame)


_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2}))?$")


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period written ``2024``, ``2024-Q3`` or ``2024-07``."""
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(match.group(1))
    if match.group(2):
        first_month = 3 * (int(match.group(2)) - 1) + 1
        last_month = first_month + 2
    elif match.group(3):
        first_month = last_month = int(match.group(3))
    else:
        first_month, last_month = 1, 12
    end = (pd.Timestamp(year=year, month=last_month, day=1) + pd.offsets.MonthEnd(0)).date()
    return date(year, first_month, 1), end


def evaluate_programme(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    *,
    baseline_wave: str,
    follow_up_wave: str,
    people: pd.DataFrame,
    enrolments: pd.DataFrame,
    composite_scales: Sequence[str],
    composite: str = "leadership",
    reliability: float,
    kpis: pd.DataFrame | None = None,
    programme_start: date | None = None,
    programme_end: date | None = None,
    site_threshold: float = DEFAULT_SITE_THRESHOLD,
    reaction: Sequence[float] | None = None,
    reaction_minimum: int = 3,
    kpi_values: Sequence[UnitValue] = (),
    costs: ProgrammeCosts | None = None,
    costs_note: str | None = None,
    plan_actions: pd.DataFrame | None = None,
    minimum: int = 3,
) -> ProgrammeEvaluation:
    """Evaluate behaviour and results change between two waves.

    Parameters
    ----------
    pre, post
        Person × scale observer means at baseline and follow-up (index: person id).
    people
        ``person_id, site`` of everyone in the review.
    enrolments
        ``person_id, completed`` of everyone enrolled in the programme.
    composite_scales
        Scales averaged into the composite (the leadership practices).
    reliability
        Reliability of the composite at baseline, for the reliable change index.
    kpis
        ``site, period, kpi, value, higher_is_better``; periods before ``programme_start``
        form the "before" window and periods after ``programme_end`` the "after" window.
    reaction
        Level 1: each participant's mean reaction rating; shown only from
        ``reaction_minimum`` ratings on (the anonymity minimum).
    kpi_values, costs
        Phillips level 5: the money value of a KPI unit and the fully loaded programme
        costs. The ROI is calculated only when both are given and at least one valued KPI
        has an isolated change (see :func:`programme_roi`). ``costs_note`` says where the
        costs come from and is kept in ``roi_notes``.
    plan_actions
        ``person_id, status`` of every development-plan action (Phillips level 3,
        application): summarised for the enrolled people, by level and site, with groups
        below ``minimum`` people pooled.
    """
    site_of = people.set_index(people["person_id"].astype(str))["site"]
    enrolled = set(enrolments["person_id"].astype(str))
    completed = set(enrolments.loc[enrolments["completed"].astype(bool), "person_id"].astype(str))
    measures = {scale: (pre[scale], post[scale]) for scale in composite_scales}
    measures[composite] = (
        family_means(pre, composite_scales),
        family_means(post, composite_scales),
    )

    change_rows, did_rows = [], []
    did_composite: DiffInDiff | None = None
    adjusted_composite: AdjustedEffect | None = None
    for measure, (before, after) in measures.items():
        both = pd.DataFrame({"pre": before, "post": after}).dropna()
        both.index = both.index.astype(str)
        is_enrolled = both.index.isin(list(enrolled))
        for group, mask in (("enrolled", is_enrolled), ("not_enrolled", ~is_enrolled)):
            result = paired_change(both.loc[mask, "pre"], both.loc[mask, "post"])
            change_rows.append(
                {
                    "measure": measure,
                    "group": group,
                    "n": result.n,
                    "mean_pre": result.mean_pre,
                    "mean_post": result.mean_post,
                    "mean_change": result.mean_change,
                    "ci_low": result.ci95[0],
                    "ci_high": result.ci95[1],
                    "p": result.p,
                    "d_z": result.d_z,
                    "d_av": result.d_av,
                    "reason": result.reason,
                }
            )
        long = pd.concat(
            [
                pd.DataFrame({"person_id": both.index, "score": both["pre"], "post": 0}),
                pd.DataFrame({"person_id": both.index, "score": both["post"], "post": 1}),
            ],
            ignore_index=True,
        )
        long["treated"] = long["person_id"].isin(enrolled).astype(int)
        long["site"] = long["person_id"].map(site_of)
        # Integer codes for people and sites: the estimate is the same, the grouping cheaper.
        long["person_id"] = pd.factorize(long["person_id"])[0]
        long["site"] = pd.factorize(long["site"], use_na_sentinel=True)[0]
        long.loc[long["site"] < 0, "site"] = np.nan
        did = difference_in_differences(long)
        adjusted = ancova_effect(
            both["pre"], both["post"], is_enrolled, cluster=both.index.map(site_of)
        )
        if measure == composite:
            did_composite, adjusted_composite = did, adjusted
        did_rows.append({"measure": measure, **_did_record(did), **_adjusted_record(adjusted)})

    pre_c, post_c = measures[composite]
    paired = pd.DataFrame({"pre": pre_c, "post": post_c}).dropna()
    paired.index = paired.index.astype(str)
    rci_rows = []
    rci_all: ReliableChange | None = None
    sd_baseline = float(pre_c.std(ddof=1))
    for group, mask in (
        ("enrolled", paired.index.isin(list(enrolled))),
        ("not_enrolled", ~paired.index.isin(list(enrolled))),
    ):
        rci = reliable_change(
            paired.loc[mask, "pre"],
            paired.loc[mask, "post"],
            reliability=reliability,
            sd_baseline=sd_baseline,
            ids=list(paired.index[mask]),
        )
        if group == "enrolled":
            rci_all = rci
        rci_rows.append(
            {
                "group": group,
                "n": int(mask.sum()),
                "improved": rci.improved,
                "unchanged": rci.unchanged,
                "deteriorated": rci.deteriorated,
                "sdiff": rci.sdiff,
                "reason": rci.reason,
            }
        )

    kpi_rows, kpi_inputs, pre_periods, post_periods = _kpi_did(
        kpis, site_of, enrolled, programme_start, programme_end, site_threshold
    )
    by_site = _kpi_by_site(kpis, site_of, enrolled, pre_periods, post_periods, site_threshold)
    evidence = kpi_evidence(kpi_inputs)
    for row, item in zip(kpi_rows, evidence, strict=True):
        row.update(
            estimate=item.estimate,
            estimate_ci_low=item.ci95[0],
            estimate_ci_high=item.ci95[1],
            p_holm=item.p_holm,
            verdict=item.verdict,
        )
    roi, currency, roi_notes = programme_roi(pd.DataFrame(kpi_rows), kpi_values, costs)
    if costs_note:
        roi_notes = (*roi_notes, costs_note)
    return ProgrammeEvaluation(
        baseline_wave=baseline_wave,
        follow_up_wave=follow_up_wave,
        composite=composite,
        change=pd.DataFrame(change_rows),
        did=pd.DataFrame(did_rows),
        reliable_change=pd.DataFrame(rci_rows),
        reliability=reliability,
        kpi_did=pd.DataFrame(kpi_rows),
        kirkpatrick=_with_reaction_guard(
            kirkpatrick_summary(
                reaction=reaction,
                behaviour=did_composite,
                results=evidence,
                behaviour_individual=rci_all,
                behaviour_adjusted=adjusted_composite,
            ),
            reaction,
            reaction_minimum,
        ),
        n_enrolled=len(enrolled),
        n_completed=len(completed),
        site_threshold=site_threshold,
        pre_periods=tuple(pre_periods),
        post_periods=tuple(post_periods),
        kpi_by_site=by_site,
        roi=roi,
        roi_currency=currency,
        roi_notes=roi_notes,
        kpi_values=tuple(kpi_values),
        costs=costs,
        application=plan_progress(plan_actions, people, enrolled, minimum),
    )


def _enrolled_share(site_of: pd.Series, enrolled: set[str]) -> tuple[pd.Series, pd.Series]:
    """People per site and the share of them enrolled."""
    staff = site_of.groupby(site_of).size()
    trained = site_of[site_of.index.isin(list(enrolled))].groupby(site_of).size()
    return staff, (trained.reindex(staff.index, fill_value=0) / staff).astype(float)


def _kpi_by_site(
    kpis: pd.DataFrame | None,
    site_of: pd.Series,
    enrolled: set[str],
    pre_periods: Sequence[str],
    post_periods: Sequence[str],
    threshold: float,
) -> pd.DataFrame:
    """Each site's KPI means before and after the programme (see ProgrammeEvaluation)."""
    columns = [
        "kpi", "site", "n_people", "share_enrolled", "treated", "before", "after", "change",
        "improvement",
    ]  # fmt: skip
    if kpis is None or kpis.empty or not pre_periods or not post_periods:
        return pd.DataFrame(columns=columns)
    staff, share = _enrolled_share(site_of, enrolled)
    period = kpis["period"].astype(str)
    windows = {"before": period.isin(list(pre_periods)), "after": period.isin(list(post_periods))}
    means = {
        name: kpis[mask].groupby(["kpi", "site"])["value"].mean() for name, mask in windows.items()
    }
    frame = pd.concat(means, axis=1).dropna().reset_index()
    better = kpis.groupby("kpi")["higher_is_better"].first().astype(bool)
    frame["n_people"] = frame["site"].map(staff).fillna(0).astype(int)
    frame["share_enrolled"] = frame["site"].map(share)
    frame["treated"] = frame["share_enrolled"] >= threshold
    frame["change"] = frame["after"] - frame["before"]
    frame["improvement"] = frame["change"].where(frame["kpi"].map(better), -frame["change"])
    return frame[columns].sort_values(["kpi", "site"]).reset_index(drop=True)


def _did_record(did: DiffInDiff) -> dict[str, object]:
    record = asdict(did)
    low, high = record.pop("ci95")
    return record | {"ci_low": low, "ci_high": high}


def _adjusted_record(adjusted: AdjustedEffect) -> dict[str, object]:
    return {
        "adjusted_effect": adjusted.effect,
        "adjusted_se": adjusted.se,
        "adjusted_ci_low": adjusted.ci95[0],
        "adjusted_ci_high": adjusted.ci95[1],
        "adjusted_p": adjusted.p,
        "baseline_slope": adjusted.baseline_slope,
        "baseline_gap": adjusted.baseline_gap,
        "adjusted_reason": adjusted.reason,
    }


def _kpi_did(
    kpis: pd.DataFrame | None,
    site_of: pd.Series,
    enrolled: set[str],
    start: date | None,
    end: date | None,
    threshold: float,
) -> tuple[
    list[dict[str, object]],
    list[tuple[str, bool, DiffInDiff, AdjustedEffect | None]],
    list[str],
    list[str],
]:
    """Each KPI's row of the level-4 table and the estimates behind it."""
    if kpis is None or kpis.empty or start is None or end is None:
        return [], [], [], []
    periods = sorted(set(kpis["period"].astype(str)))
    pre_periods = [p for p in periods if period_bounds(p)[1] < start]
    post_periods = [p for p in periods if period_bounds(p)[0] > end]
    _, share = _enrolled_share(site_of, enrolled)
    rows: list[dict[str, object]] = []
    inputs: list[tuple[str, bool, DiffInDiff, AdjustedEffect | None]] = []
    for name, block in kpis.groupby("kpi", sort=True):
        better = bool(block["higher_is_better"].astype(bool).iloc[0])
        did = site_kpi_did(
            block[["site", "period", "value"]],
            share,
            threshold=threshold,
            pre_periods=pre_periods,
            post_periods=post_periods,
            higher_is_better=better,
        )
        adjusted = _site_kpi_ancova(block, share, pre_periods, post_periods, threshold, better)
        rows.append(
            {
                "kpi": name,
                "higher_is_better": better,
                **_did_record(did),
                **_adjusted_record(adjusted),
            }
        )
        inputs.append((str(name), better, did, adjusted))
    return rows, inputs, pre_periods, post_periods


def _site_kpi_ancova(
    block: pd.DataFrame,
    share: pd.Series,
    pre_periods: Sequence[str],
    post_periods: Sequence[str],
    threshold: float,
    higher_is_better: bool,
) -> AdjustedEffect:
    """Each site's KPI after the programme regressed on its KPI before and on high
    enrolment: the sites :func:`site_kpi_did` compares, one row each (classical errors)."""
    period = block["period"].astype(str)
    sign = 1.0 if higher_is_better else -1.0
    means = pd.DataFrame(
        {
            "pre": block[period.isin(list(pre_periods))].groupby("site")["value"].mean(),
            "post": block[period.isin(list(post_periods))].groupby("site")["value"].mean(),
        }
    )
    means["share"] = means.index.astype(str).map(share.set_axis(share.index.astype(str)))
    means = means.dropna() * [sign, sign, 1.0]
    return ancova_effect(means["pre"], means["post"], means["share"] >= threshold)


def _with_reaction_guard(
    levels: tuple[KirkpatrickSummary, ...], reaction: Sequence[float] | None, minimum: int
) -> tuple[KirkpatrickSummary, ...]:
    """Level 1 without its numbers when fewer than ``minimum`` participants answered: a
    mean of one or two people's ratings would be their own answer."""
    if reaction is None:
        return levels
    answered = int(np.count_nonzero(~np.isnan(np.asarray(reaction, dtype=np.float64))))
    if answered == 0 or answered >= minimum:
        return levels
    hidden = KirkpatrickSummary(
        1,
        "reaction",
        "not shown",
        True,
        f"Fewer than {minimum} participants answered the reaction questionnaire, so their "
        "ratings are not shown: a mean of so few answers would reveal what each person said.",
    )
    return tuple(hidden if level.level == 1 else level for level in levels)
