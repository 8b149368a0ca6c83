"""Kirkpatrick's four levels of programme evaluation, each with an honest verdict.

Kirkpatrick & Kirkpatrick (2006), *Evaluating Training Programs*: 1 reaction, 2 learning,
3 behaviour, 4 results. The estimates come from :mod:`colead.analysis.evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from colead.analysis.evaluation import DiffInDiff, PairedChange, ReliableChange

__all__ = ["KirkpatrickSummary", "kirkpatrick_summary"]


@dataclass(frozen=True)
class KirkpatrickSummary:
    """What one Kirkpatrick level shows.

    ``evidence`` is a short verdict: ``not measured``, ``not estimable``, ``reported``
    (reaction only), ``improved``, ``declined``, ``inconclusive``, or for results from few
    sites ``exploratory: improved`` / ``exploratory: declined`` / ``exploratory:
    inconclusive``. ``detail`` says in plain words what can and cannot be concluded.
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
    results: DiffInDiff | None = None,
    behaviour_individual: ReliableChange | None = None,
    min_sites: int = 10,
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
        Level 4: :func:`site_kpi_did` of a site KPI.
    behaviour_individual
        Optional :func:`reliable_change` of the trained people, added to level 3's detail.
    min_sites
        Fewer sites (clusters) than this make a result exploratory (DESIGN §5, KPI linkage).

    Returns
    -------
    tuple of KirkpatrickSummary
        Levels 1–4 in order. A verdict of "improved" / "declined" means the 95 % CI of the
        effect excludes zero; "inconclusive" means it does not.

    References
    ----------
    Kirkpatrick & Kirkpatrick (2006). Evaluating training programs: The four levels.
    """
    return (
        _reaction_level(reaction),
        _learning_level(learning),
        _did_level(3, behaviour, behaviour_individual, min_sites),
        _did_level(4, results, None, min_sites),
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


def _did_level(
    level: int, did: DiffInDiff | None, individual: ReliableChange | None, min_sites: int
) -> KirkpatrickSummary:
    if did is None:
        return _level(level, "not measured", "")
    if did.reason is not None:
        return _level(level, "not estimable", f"Cannot be estimated: {did.reason}.")
    trained, untrained = (
        ("Trained people", "untrained")
        if level == 3
        else ("In KPI units (positive = better), high-enrolment sites", "other sites")
    )
    verdict, why = _verdict(did.ci95)
    detail = (
        f"{trained} changed by {did.treated_change:+.2f}, {untrained} by "
        f"{did.control_change:+.2f}: difference {did.effect:+.2f} (95% CI {did.ci95[0]:+.2f} "
        f"to {did.ci95[1]:+.2f}; {did.n_treated} treated, {did.n_control} comparison, "
        f"{did.n_clusters} clusters). {why}"
    )
    if did.cluster_robust and did.n_clusters < min_sites:
        detail += (
            f" Only {did.n_clusters} sites: standard errors rest on few clusters, so treat "
            "this as exploratory."
        )
        verdict = f"exploratory: {verdict}" if level == 4 else verdict
    if individual is not None and individual.reason is None:
        detail += (
            f" Individually, {individual.improved} improved and {individual.deteriorated} "
            f"declined by more than measurement error; {individual.unchanged} did not change "
            "reliably."
        )
    detail += (
        " Enrolment was not random: the comparison assumes both groups would have changed "
        "alike without the programme (parallel trends)."
    )
    return _level(level, verdict, detail)
