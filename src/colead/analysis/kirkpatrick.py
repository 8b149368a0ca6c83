"""Kirkpatrick's four levels of programme evaluation, each with an honest verdict.

Kirkpatrick & Kirkpatrick (2006), *Evaluating Training Programs*: 1 reaction, 2 learning,
3 behaviour, 4 results. The estimates come from :mod:`colead.analysis.evaluation` and, for
the baseline-adjusted effects, :mod:`colead.analysis.baseline_adjusted`. Level 4 tests each
KPI and summarises them with Holm's adjustment for testing several at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.stats.multitest import multipletests

from colead.analysis.baseline_adjusted import AdjustedEffect
from colead.analysis.evaluation import DiffInDiff, PairedChange, ReliableChange

__all__ = [
    "MIN_SITES",
    "KirkpatrickSummary",
    "KpiEvidence",
    "kirkpatrick_summary",
    "kpi_evidence",
]

#: Fewer sites than this make a site-level result exploratory (DESIGN §5, KPI linkage).
MIN_SITES = 10
#: Family-wise error rate of the level-4 verdict.
ALPHA = 0.05


@dataclass(frozen=True)
class KpiEvidence:
    """One KPI's programme effect at level 4, signed so that positive is better.

    ``estimate`` is the baseline-adjusted effect when it could be estimated, else the
    difference in differences; ``p_holm`` is its p value after Holm's adjustment across
    the KPIs of the evaluation, and ``verdict`` ``improved`` / ``declined`` /
    ``inconclusive`` from ``p_holm`` < 0.05 (``not estimable`` without an estimate).
    """

    kpi: str
    higher_is_better: bool
    did: DiffInDiff
    adjusted: AdjustedEffect | None
    estimate: float
    ci95: tuple[float, float]
    p: float
    p_holm: float
    verdict: str
    n_sites: int
    reason: str | None = None

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


def kpi_evidence(
    kpis: Sequence[tuple[str, bool, DiffInDiff, AdjustedEffect | None]],
) -> tuple[KpiEvidence, ...]:
    """Each KPI's estimate and its verdict after Holm's adjustment across all the KPIs.

    Every KPI tested at 5 % would find one improved beyond chance in about 1 of 5
    evaluations of four KPIs where nothing changed. Holm's step-down procedure keeps the
    chance of any false verdict at 5 %: with the ``m`` p values sorted ``p(1) <= ... <=
    p(m)``, the adjusted ``p~(i) = max_{j<=i} min(1, (m - j + 1) p(j))``. Each KPI keeps its
    own (unadjusted) 95 % confidence interval.

    Parameters
    ----------
    kpis
        ``(name, higher_is_better, difference in differences, adjusted effect or None)``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian
    Journal of Statistics 6, 65-70.

    R: ``p.adjust(p, method = "holm")``.
    """
    rows: list[
        tuple[str, bool, DiffInDiff, AdjustedEffect | None, float, tuple[float, float], float]
    ] = []
    for name, better, did, adjusted in kpis:
        if adjusted is not None and adjusted.reason is None:
            rows.append((name, better, did, adjusted, adjusted.effect, adjusted.ci95, adjusted.p))
        elif did.reason is None:
            rows.append((name, better, did, adjusted, did.effect, did.ci95, did.p))
        else:
            rows.append((name, better, did, adjusted, np.nan, (np.nan, np.nan), np.nan))
    tested = [k for k, row in enumerate(rows) if np.isfinite(row[6])]
    holm = np.full(len(rows), np.nan)
    if tested:
        holm[tested] = multipletests([rows[k][6] for k in tested], method="holm")[1]
    out = []
    for k, (name, better, did, adjusted, estimate, ci, p) in enumerate(rows):
        reason = None
        if not np.isfinite(p):
            verdict = "not estimable"
            reason = did.reason or (adjusted.reason if adjusted is not None else None)
        elif holm[k] < ALPHA:
            verdict = "improved" if estimate > 0 else "declined"
        else:
            verdict = "inconclusive"
        out.append(
            KpiEvidence(
                kpi=name,
                higher_is_better=better,
                did=did,
                adjusted=adjusted,
                estimate=float(estimate),
                ci95=(float(ci[0]), float(ci[1])),
                p=float(p),
                p_holm=float(holm[k]),
                verdict=verdict,
                n_sites=did.n_clusters,
                reason=reason,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class KirkpatrickSummary:
    """What one Kirkpatrick level shows.

    ``evidence`` is a short verdict: ``not measured``, ``not estimable``, ``reported``
    (reaction only), ``improved``, ``declined``, ``inconclusive``, ``mixed`` (results: some
    KPIs improved and some declined), or for results from few sites the same prefixed with
    ``exploratory: ``. ``detail`` says in plain words what can and cannot be concluded.
    """

    level: int
    name: str
    evidence: str
    measured: bool
    detail: str


def kirkpatrick_summary(
    *,
    reaction: ArrayLike | None = None,
    learning: PairedChange | None = None,
    behaviour: DiffInDiff | None = None,
    results: Sequence[KpiEvidence] = (),
    behaviour_individual: ReliableChange | None = None,
    behaviour_adjusted: AdjustedEffect | None = None,
    min_sites: int = MIN_SITES,
) -> tuple[KirkpatrickSummary, ...]:
    """Kirkpatrick's four levels of programme evaluation, each with an honest verdict.

    Parameters
    ----------
    reaction
        Level 1: participants' ratings of the programme (e.g. satisfaction 1–5); NaN ignored.
    learning
        Level 2: :func:`paired_change` of participants on a learning measure (knowledge
        test, self-assessment) before and after.
    behaviour
        Level 3: :func:`difference_in_differences` of observer-rated leadership, trained
        versus untrained.
    results
        Level 4: :func:`kpi_evidence` of the site KPIs, each named with its own estimate;
        the level's verdict counts the KPIs that improved or declined after Holm's
        adjustment (``mixed`` when some did each).
    behaviour_individual
        Optional :func:`reliable_change` of the trained people, added to level 3's detail.
    behaviour_adjusted
        Optional :func:`ancova_effect` of the same scores: when it can be estimated, level 3's
        verdict rests on it rather than on the difference in differences, which regression to
        the mean inflates when the cohort was chosen for low baseline scores.
    min_sites
        Fewer sites (clusters) than this make a result exploratory (DESIGN §5, KPI linkage).

    Returns
    -------
    tuple of KirkpatrickSummary
        Levels 1–4 in order. At levels 2 and 3 a verdict of "improved" / "declined" means
        the 95 % CI of the effect excludes zero; "inconclusive" means it does not.

    References
    ----------
    Kirkpatrick & Kirkpatrick (2006). Evaluating training programs: The four levels.
    Holm (1979), see :func:`kpi_evidence`.
    """
    return (
        _reaction_level(reaction),
        _learning_level(learning),
        _behaviour_level(behaviour, behaviour_adjusted, behaviour_individual, min_sites),
        _results_level(results, min_sites),
    )


_NOT_MEASURED = {
    1: "how participants received the programme",
    2: "what participants learnt",
    3: "whether behaviour at work changed",
    4: "whether business results changed",
}
_NAMES = {1: "reaction", 2: "learning", 3: "behaviour", 4: "results"}


def _level(level: int, evidence: str, detail: str) -> KirkpatrickSummary:
    if evidence == "not measured":
        detail = f"Not measured: nothing can be said about {_NOT_MEASURED[level]}."
    return KirkpatrickSummary(level, _NAMES[level], evidence, evidence != "not measured", detail)


def _verdict(ci: tuple[float, float]) -> tuple[str, str]:
    """Verdict from a 95 % CI and the sentence that explains it."""
    if ci[0] > 0:
        return "improved", "The interval excludes zero: the data support an improvement."
    if ci[1] < 0:
        return "declined", "The interval excludes zero: the data support a decline."
    return "inconclusive", "The interval includes zero: no change can be claimed, nor ruled out."


def _reaction_level(reaction: ArrayLike | None) -> KirkpatrickSummary:
    if reaction is None:
        return _level(1, "not measured", "")
    values = np.asarray(reaction, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    if values.size == 0:
        return _level(1, "not estimable", "Reaction was asked but no rating was given.")
    sd = f", SD {values.std(ddof=1):.2f}" if values.size > 1 else ""
    return _level(
        1,
        "reported",
        f"{values.size} participants rated the programme: mean {values.mean():.2f}{sd}. "
        "Reaction shows whether participants valued the programme, not whether it changed "
        "what they know or do.",
    )


def _learning_level(learning: PairedChange | None) -> KirkpatrickSummary:
    if learning is None:
        return _level(2, "not measured", "")
    if np.isnan(learning.ci95[0]):
        return _level(2, "not estimable", f"Learning cannot be estimated: {learning.reason}.")
    verdict, why = _verdict(learning.ci95)
    return _level(
        2,
        verdict,
        f"{learning.n} participants changed by {learning.mean_change:+.2f} on average "
        f"(95% CI {learning.ci95[0]:+.2f} to {learning.ci95[1]:+.2f}; d_z "
        f"{learning.d_z:.2f}). {why} Without a comparison group, a before–after change can "
        "also come from retesting, general drift or regression to the mean.",
    )


def _behaviour_level(
    did: DiffInDiff | None,
    adjusted: AdjustedEffect | None,
    individual: ReliableChange | None,
    min_sites: int,
) -> KirkpatrickSummary:
    if did is None:
        return _level(3, "not measured", "")
    if did.reason is not None:
        return _level(3, "not estimable", f"Cannot be estimated: {did.reason}.")
    detail = (
        f"Trained people changed by {did.treated_change:+.2f}, untrained by "
        f"{did.control_change:+.2f}: a difference of {did.effect:+.2f} ({did.n_treated} "
        f"trained, {did.n_control} comparison, {did.n_clusters} sites)."
    )
    if adjusted is not None and adjusted.reason is None:
        verdict, why = _verdict(adjusted.ci95)
        detail += (
            f" Compared at the same baseline score (ANCOVA), the effect is "
            f"{adjusted.effect:+.2f} (95% CI {adjusted.ci95[0]:+.2f} to "
            f"{adjusted.ci95[1]:+.2f}). {why}{_regression_note(adjusted)}"
        )
    else:
        verdict, why = _verdict(did.ci95)
        detail += f" 95% CI {did.ci95[0]:+.2f} to {did.ci95[1]:+.2f}. {why}"
    if did.cluster_robust and did.n_clusters < min_sites:
        detail += (
            f" Only {did.n_clusters} sites: standard errors rest on few clusters, so read the "
            "interval with care."
        )
    if individual is not None and individual.reason is None:
        detail += (
            f" Individually, {individual.improved} improved and {individual.deteriorated} "
            f"declined by more than measurement error; {individual.unchanged} did not change "
            "reliably."
        )
    detail += (
        " Enrolment was not random: the comparison assumes that people with the same "
        "baseline score would have changed alike without the programme."
    )
    return _level(3, verdict, detail)


def _regression_note(adjusted: AdjustedEffect) -> str:
    """Why the adjusted effect differs from the simple difference in differences."""
    if not (np.isfinite(adjusted.baseline_gap) and np.isfinite(adjusted.unadjusted)):
        return ""
    shift = adjusted.unadjusted - adjusted.effect
    if abs(adjusted.baseline_gap) < 0.01 or abs(shift) < 0.005:
        return " The groups started at similar scores, so the adjustment changes little."
    lower = "lower" if adjusted.baseline_gap < 0 else "higher"
    return (
        f" The trained group started {abs(adjusted.baseline_gap):.2f} {lower}; "
        f"{shift:+.2f} of the simple difference is what that start predicts "
        "(regression to the mean), not the programme."
    )


def _results_level(kpis: Sequence[KpiEvidence], min_sites: int) -> KirkpatrickSummary:
    if not kpis:
        return _level(4, "not measured", "")
    tested = [k for k in kpis if k.verdict != "not estimable"]
    if not tested:
        reasons = "; ".join(f"{k.kpi}: {k.reason}" for k in kpis)
        return _level(4, "not estimable", f"Cannot be estimated: {reasons}.")
    parts = []
    for k in kpis:
        if k.verdict == "not estimable":
            parts.append(f"{k.kpi} ({k.direction}): not estimable ({k.reason}).")
            continue
        parts.append(
            f"{k.kpi} ({k.direction}): {k.estimate:+.2f} (95% CI {k.ci95[0]:+.2f} to "
            f"{k.ci95[1]:+.2f}; Holm-adjusted p {_p_text(k.p_holm)}): {k.verdict}."
        )
    improved = sum(k.verdict == "improved" for k in tested)
    declined = sum(k.verdict == "declined" for k in tested)
    if improved and declined:
        verdict = "mixed"
    elif improved:
        verdict = "improved"
    elif declined:
        verdict = "declined"
    else:
        verdict = "inconclusive"
    adjusted = any(k.adjusted is not None and k.adjusted.reason is None for k in tested)
    basis = (
        "compared with the other sites at the same KPI level before the programme (ANCOVA)"
        if adjusted
        else "compared with the other sites (difference in differences)"
    )
    detail = (
        f"Change of each KPI at high-enrolment sites, {basis}, in KPI units signed so that "
        "positive = better. " + " ".join(parts) + f" Across the {len(tested)} KPIs tested, "
        f"{improved} improved and {declined} declined after Holm's adjustment for testing "
        f"{len(tested)} KPIs at once (Holm 1979); each interval is the KPI's own."
    )
    n_sites = max(k.n_sites for k in tested)
    if n_sites < min_sites:
        detail += (
            f" Only {n_sites} sites: the estimates rest on few sites, so treat them as exploratory."
        )
        verdict = f"exploratory: {verdict}"
    detail += (
        " Enrolment was not random: sites with many enrolled people may differ from the "
        "others in ways the KPIs before the programme do not capture."
    )
    return _level(4, verdict, detail)


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
