"""Change of each person's practice scores from an earlier wave of the same review.

Pure: the published person tables of two waves in, one :class:`PersonChange` per person out.

Only the all-observer means that each wave's individual report already shows are compared
(rows ``group == "observers"`` of ``PersonScores.table``, folded and published by
:mod:`colead.analysis.disclosure`). The forms of two waves are different forms, so neither
mean is a subset of the other and their difference isolates no one's answers; a practice
whose all-observer mean is withheld in either wave gets no change at all.

Who rated in both waves is told as counts only (:class:`RaterContinuity`), and exactly only
when no part of the split (raters in both waves, only in the later, only in the earlier)
holds fewer than the anonymity minimum: a split such as "6 of 7, 1 new" would tell a
person that one particular new colleague answered.

Reliable change (Jacobson & Truax 1991), per practice::

    RCI = (after - before) / S_diff,   S_diff = sqrt(2) · SD_0 · sqrt(1 - r_xx)

with ``r_xx`` Cronbach's alpha of the practice at the earlier wave (the reliability the
wave analysis reports, :func:`colead.analysis.measurement.reliability_by_scale`) and
``SD_0`` the standard deviation, across the earlier wave's rated people, of their
all-observer means. Alpha stands in for a test-retest reliability, as Jacobson & Truax
allow; |RCI| > 1.96 is a change larger than measurement error explains at the 95 % level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OBSERVERS
from colead.analysis.evaluation import reliable_change

__all__ = [
    "CHANGE_COLUMNS",
    "DECLINED",
    "IMPROVED",
    "UNCHANGED",
    "ChangeBasis",
    "PersonChange",
    "RaterContinuity",
    "change_basis",
    "person_changes",
    "practice_changes",
    "rater_continuity",
]

#: categories of :func:`colead.analysis.evaluation.reliable_change`
IMPROVED, UNCHANGED, DECLINED = "improved", "unchanged", "deteriorated"
CHANGE_COLUMNS = [
    "ratee_id",
    "scale_id",
    "before",
    "n_before",
    "after",
    "n_after",
    "change",
    "rci",
    "category",
    "reason",
]


@dataclass(frozen=True)
class ChangeBasis:
    """What the reliable change of each practice rests on, taken from the earlier wave.

    ``reliability``: scale -> Cronbach's alpha; ``sd_baseline``: scale -> SD (ddof 1) of the
    people's all-observer means; ``n_people``: scale -> how many people that SD is over.
    """

    reliability: Mapping[str, float]
    sd_baseline: Mapping[str, float]
    n_people: Mapping[str, int]


@dataclass(frozen=True)
class RaterContinuity:
    """Observers of one person in two waves: ``now`` (later wave), ``before`` (earlier wave)
    and ``both`` (in both)."""

    now: int
    before: int
    both: int

    @property
    def new(self) -> int:
        """Observers of the later wave who did not rate the person in the earlier one."""
        return self.now - self.both

    @property
    def left(self) -> int:
        """Observers of the earlier wave who did not rate the person again."""
        return self.before - self.both

    def exact(self, minimum: int) -> bool:
        """Whether the counts may be told exactly: every part of the split is empty or holds
        at least ``minimum`` people (any one part follows from the others and the totals)."""
        return all(k == 0 or k >= minimum for k in (self.both, self.new, self.left))


@dataclass(frozen=True)
class PersonChange:
    """One person's change from ``earlier_wave``.

    ``practices`` holds the person's rows of :func:`practice_changes` (``CHANGE_COLUMNS``);
    ``raters`` who rated them in each wave (None when they had no counted observer in the
    later wave).
    """

    earlier_wave: str
    practices: pd.DataFrame
    raters: RaterContinuity | None
    basis: ChangeBasis


def change_basis(reliability: pd.DataFrame, observer_means: pd.DataFrame) -> ChangeBasis:
    """Reliability and spread of each practice at the earlier wave.

    Parameters
    ----------
    reliability
        ``MeasurementQuality.reliability`` of the earlier wave (``scale_id, alpha``).
    observer_means
        ``PersonScores.observer_means`` of the earlier wave (person × scale).
    """
    alpha = {
        str(r["scale_id"]): float(r["alpha"])
        for r in reliability.to_dict("records")
        if pd.notna(r["alpha"])
    }
    sd = observer_means.std(axis=0, ddof=1)
    counts = observer_means.notna().sum(axis=0)
    return ChangeBasis(
        reliability=alpha,
        sd_baseline={str(k): float(v) for k, v in sd.items()},
        n_people={str(k): int(v) for k, v in counts.items()},
    )


def _observer_rows(table: pd.DataFrame, scales: Sequence[str]) -> pd.DataFrame:
    rows = table[(table["group"] == OBSERVERS) & table["scale_id"].astype(str).isin(scales)]
    return rows.assign(ratee_id=rows["ratee_id"].astype(str), scale_id=rows["scale_id"].astype(str))


def practice_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    basis: ChangeBasis,
    scales: Sequence[str],
    *,
    criterion: float = 1.96,
) -> pd.DataFrame:
    """Before, after, change and reliable change index of every person and practice.

    Parameters
    ----------
    before, after
        ``PersonScores.table`` of the earlier and the later wave (published cells only).
    basis
        The earlier wave's reliability and SD per practice (:func:`change_basis`).
    scales
        The practices to compare, in report order.
    criterion
        Two-sided critical value of the RCI (1.96 for 95 %).

    Returns
    -------
    pandas.DataFrame
        ``CHANGE_COLUMNS``, one row per person and practice with an all-observer mean in
        either wave. ``change``, ``rci`` and ``category`` (``improved``, ``unchanged``,
        ``deteriorated``) are missing unless both means are shown; ``reason`` says why an
        RCI is missing although both are.
    """
    keys = ["ratee_id", "scale_id"]
    columns = [*keys, "mean", "n_raters"]
    joined = (
        _observer_rows(before, scales)[columns]
        .merge(
            _observer_rows(after, scales)[columns],
            on=keys,
            how="outer",
            suffixes=("_before", "_after"),
        )
        .rename(
            columns={
                "mean_before": "before",
                "n_raters_before": "n_before",
                "mean_after": "after",
                "n_raters_after": "n_after",
            }
        )
    )
    for column in ("n_before", "n_after"):
        joined[column] = joined[column].fillna(0).astype(int)
    joined["change"] = joined["after"] - joined["before"]
    joined["rci"] = np.nan
    joined["category"] = pd.Series([None] * len(joined), dtype=object)
    joined["reason"] = pd.Series([None] * len(joined), dtype=object)
    for scale in scales:
        rows = joined.index[(joined["scale_id"] == scale) & joined["change"].notna()]
        if not len(rows):
            continue
        found = reliable_change(
            joined.loc[rows, "before"].to_numpy(),
            joined.loc[rows, "after"].to_numpy(),
            reliability=basis.reliability.get(scale, np.nan),
            sd_baseline=basis.sd_baseline.get(scale, np.nan),
            criterion=criterion,
        )
        joined.loc[rows, "rci"] = found.rows["rci"].to_numpy()
        joined.loc[rows, "category"] = found.rows["category"].to_numpy()
        joined.loc[rows, "reason"] = found.reason
    order = {s: k for k, s in enumerate(scales)}
    joined = joined.sort_values(
        ["ratee_id", "scale_id"], key=lambda c: c.map(order) if c.name == "scale_id" else c
    )
    return joined[CHANGE_COLUMNS].reset_index(drop=True)


def rater_continuity(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, RaterContinuity]:
    """Who rated each person in both waves, from ``ratee_id, rater_id`` pairs.

    Pass only the observers behind each wave's published figures (not self, not withheld
    forms). Returns one entry per person rated in the later wave.
    """
    old = before[["ratee_id", "rater_id"]].astype(str).drop_duplicates()
    new = after[["ratee_id", "rater_id"]].astype(str).drop_duplicates()
    now = new.groupby("ratee_id").size()
    earlier = old.groupby("ratee_id").size()
    both = new.merge(old, on=["ratee_id", "rater_id"]).groupby("ratee_id").size()
    return {
        str(pid): RaterContinuity(int(n), int(earlier.get(pid, 0)), int(both.get(pid, 0)))
        for pid, n in now.items()
    }


def person_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    basis: ChangeBasis,
    scales: Sequence[str],
    *,
    earlier_wave: str,
    raters_before: pd.DataFrame,
    raters_after: pd.DataFrame,
    people: Sequence[str],
    criterion: float = 1.96,
) -> dict[str, PersonChange]:
    """:func:`practice_changes` and :func:`rater_continuity` for ``people``, per person.

    ``raters_before`` and ``raters_after`` are the ``ratee_id, rater_id`` pairs of the
    observers counted in each wave. Everyone in ``people`` gets an entry; one not shown in
    either wave has no practice rows.
    """
    wanted = {str(p) for p in people}
    keep_before = before[before["ratee_id"].astype(str).isin(wanted)]
    keep_after = after[after["ratee_id"].astype(str).isin(wanted)]
    table = practice_changes(keep_before, keep_after, basis, scales, criterion=criterion)
    by_person = dict(iter(table.groupby("ratee_id", sort=False)))
    continuity = rater_continuity(
        raters_before[raters_before["ratee_id"].astype(str).isin(wanted)],
        raters_after[raters_after["ratee_id"].astype(str).isin(wanted)],
    )
    return {
        str(pid): PersonChange(
            earlier_wave=earlier_wave,
            practices=by_person.get(str(pid), table.iloc[0:0]).reset_index(drop=True),
            raters=continuity.get(str(pid)),
            basis=basis,
        )
        for pid in people
    }
