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

from colead.analysis.evaluation import (
    DiffInDiff,
    ReliableChange,
    difference_in_differences,
    paired_change,
    reliable_change,
    site_kpi_did,
)
from colead.analysis.individual import family_means
from colead.analysis.kirkpatrick import KirkpatrickSummary, kirkpatrick_summary
from colead.analysis.roi import (
    SITE_DID_METHOD,
    ProgrammeCosts,
    RoiResult,
    phillips_roi,
    valuations_from_kpi_did,
)

__all__ = ["ProgrammeEvaluation", "UnitValue", "evaluate_programme", "period_bounds"]

#: A site counts as "treated" when at least this share of its people were enrolled.
DEFAULT_SITE_THRESHOLD = 0.2


@dataclass(frozen=True)
class UnitValue:
    """What one unit of a KPI is worth in money, as the user states it (Phillips 2003, ch. 5).

    ``periods`` is how many KPI periods of benefit are counted (4 quarters: the first year).
    """

    kpi: str
    value_per_unit: float
    currency: str = "GBP"
    periods: float = 1.0
    source: str | None = None


@dataclass(frozen=True)
class ProgrammeEvaluation:
    """Did behaviours change, and did results follow?

    ``change``: per ``measure`` (a scale id or the family composite) and ``group``
    (``enrolled``, ``not_enrolled``): ``n, mean_pre, mean_post, mean_change, ci_low,
    ci_high, p, d_z, d_av, reason``. ``did``: per measure, the difference-in-differences of
    enrolled versus not enrolled (``effect, se, ci_low, ci_high, p, n_treated, n_control,
    n_clusters, reason``). ``reliable_change``: per group, how many people improved,
    stayed within measurement error or deteriorated on the composite. ``kpi_did``: per KPI,
    the site-level difference-in-differences (positive = better). ``kirkpatrick``: levels 1–4.
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
        if measure == composite:
            did_composite = did
        did_rows.append({"measure": measure, **_did_record(did)})

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

    kpi_rows, pre_periods, post_periods = _kpi_did(
        kpis, site_of, enrolled, programme_start, programme_end, site_threshold
    )
    by_site = _kpi_by_site(kpis, site_of, enrolled, pre_periods, post_periods, site_threshold)
    kpi_results = [row.pop("_did") for row in kpi_rows]
    estimable = [r for r in kpi_results if isinstance(r, DiffInDiff)]
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
                results=_first_estimable(estimable),
                behaviour_individual=rci_all,
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


def _first_estimable(results: list[DiffInDiff]) -> DiffInDiff | None:
    for result in results:
        if result.reason is None:
            return result
    return results[0] if results else None


def _kpi_did(
    kpis: pd.DataFrame | None,
    site_of: pd.Series,
    enrolled: set[str],
    start: date | None,
    end: date | None,
    threshold: float,
) -> tuple[list[dict[str, object]], list[str], list[str]]:
    if kpis is None or kpis.empty or start is None or end is None:
        return [], [], []
    periods = sorted(set(kpis["period"].astype(str)))
    pre_periods = [p for p in periods if period_bounds(p)[1] < start]
    post_periods = [p for p in periods if period_bounds(p)[0] > end]
    _, share = _enrolled_share(site_of, enrolled)
    rows: list[dict[str, object]] = []
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
        rows.append({"kpi": name, "higher_is_better": better, **_did_record(did), "_did": did})
    return rows, pre_periods, post_periods


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


def programme_roi(
    kpi_did: pd.DataFrame, kpi_values: Sequence[UnitValue], costs: ProgrammeCosts | None
) -> tuple[RoiResult | None, str | None, tuple[str, ...]]:
    """Phillips' ROI from the isolated KPI changes of ``kpi_did``, with notes.

    Returns the result (None when it cannot be calculated), its currency and what the
    reader needs to know: why there is no ROI, or which valued KPIs were left out. The
    isolation step is the site difference in differences (:data:`SITE_DID_METHOD`), so each
    KPI's benefit is ``effect × treated sites × periods × value per unit`` and the costs are
    taken as they are (Phillips 2003, ch. 8). Costs carry no currency of their own: they are
    read in the KPI values' currency, and values in several currencies are not added up.
    """
    if not kpi_values:
        return None, None, ("No money value per KPI unit has been entered.",)
    currencies = sorted({v.currency for v in kpi_values})
    if len(currencies) > 1:
        return (
            None,
            None,
            (
                f"The KPI values are in different currencies ({', '.join(currencies)}); "
                "state them all in one currency to calculate a return.",
            ),
        )
    if costs is None:
        return None, currencies[0], ("No programme costs are recorded.",)
    valued = {v.kpi: v for v in kpi_values}
    valuations = (
        valuations_from_kpi_did(
            kpi_did,
            {k: v.value_per_unit for k, v in valued.items()},
            {k: v.periods for k, v in valued.items()},
        )
        if not kpi_did.empty
        else ()
    )
    notes = []
    isolated = {v.kpi for v in valuations}
    reasons = (
        {str(r["kpi"]): r.get("reason") for r in kpi_did.to_dict("records")}
        if not kpi_did.empty
        else {}
    )
    for name in valued:
        if name in isolated:
            continue
        reason = reasons.get(name)
        why = reason if isinstance(reason, str) and reason else "no KPI values before and after"
        notes.append(f"{name} has a value but no isolated change ({why}), so it adds no benefit.")
    if not valuations:
        return (
            None,
            currencies[0],
            (
                "None of the KPIs with a money value has a change isolated from other influences, "
                "so no return can be calculated yet.",
                *notes,
            ),
        )
    return phillips_roi(valuations, costs, SITE_DID_METHOD), currencies[0], tuple(notes)
