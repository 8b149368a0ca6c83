"""Application (Phillips level 3): how far programme participants carried out their plans.

Kirkpatrick's level 3 asks whether behaviour changed as others see it; Phillips' level 3,
application and implementation, asks whether participants did what they set out to do.
Here that is the progress of the enrolled people's development-plan actions: done, in
progress, open or dropped, overall, by level and by site.

Plan progress is about identifiable people, so every published group holds at least the
anonymity minimum of participants: smaller groups are pooled into one "other" group, and
when that pool is itself too small the next smallest groups join it. The groups of one
breakdown therefore partition the participants with no cell below the minimum, and the
total minus any published groups is again a pooled group of at least the minimum.

References
----------
Phillips, J. J. (2003). *Return on Investment in Training and Performance Improvement
Programs* (2nd ed.), ch. 1 (the five levels) and ch. 3 (application data).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["APPLICATION_COLUMNS", "POOLED", "STATUSES", "plan_progress"]

STATUSES = ("done", "in_progress", "open", "dropped")
APPLICATION_COLUMNS = [
    "breakdown", "group", "n_people", "actions", *STATUSES, "share_done",
]  # fmt: skip
#: The label of the pooled group of each breakdown.
POOLED = "Other (combined)"


def plan_progress(
    actions: pd.DataFrame | None,
    people: pd.DataFrame,
    enrolled: Iterable[str],
    minimum: int,
) -> pd.DataFrame:
    """Plan-action progress of the enrolled people: all, by ``level`` and by ``site``.

    Parameters
    ----------
    actions
        ``person_id, status`` of each plan action (status one of :data:`STATUSES`; others
        are ignored). None or empty gives an empty table.
    people
        ``person_id`` with ``level`` and ``site`` of everyone in the review.
    enrolled
        Ids of the people enrolled in the programme; only their plans are counted.
    minimum
        Smallest number of participants a published group may hold.

    Returns
    -------
    pandas.DataFrame
        :data:`APPLICATION_COLUMNS`: ``breakdown`` (``all``, ``level``, ``site``), ``group``,
        ``n_people`` (participants with at least one action), ``actions``, a count per
        status and ``share_done`` = done / (actions - dropped). The ``all`` row is left out
        when fewer than ``minimum`` participants have a plan.
    """
    if actions is None or actions.empty:
        return pd.DataFrame(columns=APPLICATION_COLUMNS)
    ids = {str(p) for p in enrolled}
    mine = actions.assign(person_id=actions["person_id"].astype(str))
    mine = mine[mine["person_id"].isin(ids) & mine["status"].isin(STATUSES)]
    if mine.empty:
        return pd.DataFrame(columns=APPLICATION_COLUMNS)
    who = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    counts = pd.crosstab(mine["person_id"], mine["status"]).reindex(
        columns=list(STATUSES), fill_value=0
    )
    if len(counts) < minimum:
        return pd.DataFrame(columns=APPLICATION_COLUMNS)
    rows = [_row("all", "All participants", counts)]
    for breakdown in ("level", "site"):
        if breakdown not in who.columns:
            continue
        labels = who[breakdown].reindex(counts.index).fillna("unknown").astype(str)
        for group, members in _pooled(labels, minimum):
            rows.append(_row(breakdown, group, counts.loc[members]))
    return pd.DataFrame(rows, columns=APPLICATION_COLUMNS)


def _pooled(labels: pd.Series, minimum: int) -> list[tuple[str, list[str]]]:
    """Groups of people by label, small ones pooled until every group has ``minimum``."""
    sizes = labels.value_counts()
    small = set(sizes[sizes < minimum].index)
    if small:
        pool_size = int(sizes[list(small)].sum())
        # Ascending by size, then name: the pool takes the next smallest until large enough.
        for label in sorted(sizes.index, key=lambda g: (int(sizes[g]), str(g))):
            if pool_size >= minimum:
                break
            if label not in small:
                small.add(label)
                pool_size += int(sizes[label])
    groups = [
        (str(g), list(labels.index[labels == g])) for g in sorted(sizes.index) if g not in small
    ]
    if small:
        groups.append((POOLED, list(labels.index[labels.isin(small)])))
    return groups


def _row(breakdown: str, group: str, counts: pd.DataFrame) -> dict[str, object]:
    totals = {s: int(counts[s].sum()) for s in STATUSES}
    actions = sum(totals.values())
    live = actions - totals["dropped"]
    return {
        "breakdown": breakdown,
        "group": group,
        "n_people": len(counts),
        "actions": actions,
        **totals,
        "share_done": totals["done"] / live if live else float("nan"),
    }
