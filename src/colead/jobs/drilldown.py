"""One site's or one person's results, shaped for a page, within the anonymity rule.

Pure functions over an analysed wave (:class:`ReviewResults`) and the review's people table.
Nothing here decides on its own what may be shown: a site's figures come from the site
profile through :func:`colead.reports.tables.profile_stats` (the report's guard), and a
person's groups are the engine's folded groups (:class:`PersonScores`), which already leave
out any group that could identify a rater. Both add the same second guard as the report:
a group below the minimum is dropped even if a caller passed its values in.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pandas as pd

from colead.analysis.anonymity import OBSERVERS, OTHERS
from colead.analysis.results import Profile, ReviewResults, ScaleInfo
from colead.domain import ALWAYS_SHOWN, Relation
from colead.errors import NotFound, UnknownPerson
from colead.reports.chart_specs import format_score
from colead.reports.tables import (
    Cell,
    Row,
    Table,
    family_ids,
    group_order,
    matrix_table,
    profile_stats,
    relation_label,
)

__all__ = [
    "PersonView",
    "SiteView",
    "person_view",
    "relation_tables",
    "site_names",
    "site_view",
]

_PROFILE_COLUMNS = ["group", "scale_id", "n_people", "n_raters", "mean", "sd", "shown"]
#: the order of a person's groups in a table: own view first, then the observers
_GROUP_ORDER = (
    Relation.self.value,
    Relation.manager.value,
    Relation.direct_report.value,
    Relation.peer.value,
    Relation.partner.value,
    Relation.other.value,
    OTHERS,
    OBSERVERS,
)


def _families(results: ReviewResults) -> list[tuple[str, tuple[ScaleInfo, ...]]]:
    lead, manage = family_ids(results)
    return [
        (results.families.get(f, f), results.scales_of(f))
        for f in (lead, manage)
        if results.scales_of(f)
    ]


def _relabelled(table: Table, count_label: str, note: str | None = None) -> Table:
    """Relation names in words, the count column named, and (given) the withheld note."""

    def cells(row: Row) -> tuple[Cell, ...]:
        if note is None:
            return row.cells
        return tuple(
            dataclasses.replace(c, text=note) if c.kind == "note" and c.span > 1 else c
            for c in row.cells
        )

    rows = tuple(
        dataclasses.replace(row, header=relation_label(row.header), cells=cells(row))
        for row in table.rows
    )
    return dataclasses.replace(table, rows=rows, columns=(count_label, *table.columns[1:]))


def relation_tables(results: ReviewResults) -> list[Table]:
    """Practice scores by rater relation over the whole wave, one table per family.

    The relation profile counts forms, not people: the n column says so.
    """
    profile = results.relation_profile
    if profile is None or profile.table.empty:
        return []
    return [
        _relabelled(
            matrix_table(
                profile, scales, f"{title} practices by rater relation: mean, n forms", "Relation"
            ),
            "n forms",
            f"not shown (fewer than {profile.minimum} raters)",
        )
        for title, scales in _families(results)
    ]


# ---------------------------------------------------------------------------- a site


@dataclass(frozen=True)
class SiteView:
    """What the site page shows; ``withheld`` means no number of the site may be shown."""

    site: str
    withheld: bool
    n_people: int
    overall: list[Table]
    by_relation: list[Table]


def site_view(results: ReviewResults, people: pd.DataFrame, site: str) -> SiteView:
    """A site's observer scores by practice, and by rater relation.

    The relation breakdown averages each person's shown groups (self, manager, the relations
    the engine kept, "others", all observers) over the site's people; a relation is shown
    only for at least ``anonymity_minimum`` people, so it never says more than the people's
    own results already do.

    Raises
    ------
    NotFound
        When no one in the review works at ``site``.
    """
    sites = people["site"].astype(str)
    if site not in set(sites):
        raise NotFound(
            f"Review {results.review!r} has no site {site!r}.",
            "Pick a site from the table on the results page.",
        )
    profile = results.site_profile
    stats = profile_stats(profile)
    shown = [s for (group, _), s in stats.items() if group == site and s.shown]
    if not shown:
        return SiteView(site, True, 0, [], [])
    n_people = max(s.n for s in shown)
    only_site = Profile(
        profile.by, profile.table[profile.table["group"].astype(str) == site], profile.minimum
    )
    overall = [
        matrix_table(
            only_site, scales, f"{title} practices at {site}: mean of all observers", "Site"
        )
        for title, scales in _families(results)
    ]
    ids = set(people.loc[sites == site, "person_id"].astype(str))
    by_relation = _site_relations(results, ids)
    tables = [
        _relabelled(
            matrix_table(
                by_relation,
                scales,
                f"{title} practices at {site} by rater group: mean, n people",
                "Rater group",
            ),
            "n people",
        )
        for title, scales in _families(results)
    ]
    return SiteView(site, False, n_people, overall, tables)


def _site_relations(results: ReviewResults, ids: set[str]) -> Profile:
    minimum = results.anonymity_minimum
    scores = results.person_scores.table
    mine = scores[scores["ratee_id"].astype(str).isin(ids) & scores["mean"].notna()]
    mine = mine[_allowed(mine, minimum)]
    stats = (
        mine.groupby(["group", "scale_id"], sort=False)
        .agg(
            n_people=("ratee_id", "nunique"),
            n_raters=("n_raters", "sum"),
            mean=("mean", "mean"),
            sd=("mean", "std"),
        )
        .reset_index()
    )
    stats["shown"] = stats["n_people"] >= minimum
    stats.loc[~stats["shown"], ["mean", "sd"]] = math.nan
    rank = {g: k for k, g in enumerate(_GROUP_ORDER)}
    stats = stats.sort_values(
        "group", key=lambda g: g.map(lambda v: rank.get(str(v), 99)), kind="stable"
    )
    return Profile(
        "relation", stats.reindex(columns=_PROFILE_COLUMNS).reset_index(drop=True), minimum
    )


def _allowed(scores: pd.DataFrame, minimum: int) -> pd.Series:
    """The engine's groups, less any below the minimum that the rule does not exempt."""
    exempt = scores["group"].astype(str).isin({r.value for r in ALWAYS_SHOWN})
    return exempt | (scores["n_raters"] >= minimum)


# ---------------------------------------------------------------------------- a person


@dataclass(frozen=True)
class PersonView:
    """What the person page shows.

    ``withheld`` counts the observers' forms about the person that are in no shown group
    (a count, never their answers); ``tables`` is empty when no group may be shown.
    """

    person_id: str
    name: str
    organisation: str
    site: str
    groups: tuple[str, ...]
    tables: list[Table]
    withheld: int


def person_view(results: ReviewResults, people: pd.DataFrame, person_id: str) -> PersonView:
    """One rated person's scores by practice and by the rater groups that may be shown.

    Raises
    ------
    UnknownPerson
        When the review has no person ``person_id``.
    """
    directory = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    if person_id not in directory.index:
        raise UnknownPerson(
            f"Review {results.review!r} has no person {person_id!r}.",
            "Use the person_id from the review's people file (ids are case-sensitive).",
        )
    info = directory.loc[person_id]
    scores = results.person_scores.table
    mine = scores[(scores["ratee_id"].astype(str) == person_id) & scores["mean"].notna()]
    mine = mine[_allowed(mine, results.anonymity_minimum)]
    present = set(mine["group"].astype(str))
    groups = tuple(g for g in _GROUP_ORDER if g in present) + tuple(
        sorted(present.difference(_GROUP_ORDER))
    )
    cells = {
        (str(r["group"]), str(r["scale_id"])): (float(r["mean"]), int(r["n_raters"]))
        for r in mine.to_dict("records")
    }
    tables = []
    if groups:
        labels = tuple(relation_label(g) for g in groups)
        for title, scales in _families(results):
            rows = tuple(
                Row(scale.title, tuple(_score(cells.get((g, scale.id))) for g in groups))
                for scale in scales
            )
            caption = f"{title} practices: mean score by rater group (n raters)"
            tables.append(Table(caption, "Practice", labels, rows))
    return PersonView(
        person_id=person_id,
        name=_text(info.get("name")) or person_id,
        organisation=_text(info.get("organisation")),
        site=_text(info.get("site")),
        groups=groups,
        tables=tables,
        withheld=_withheld_forms(results, person_id, mine),
    )


def _score(value: tuple[float, int] | None) -> Cell:
    if value is None:
        return Cell("–")
    mean, n = value
    return Cell(f"{format_score(mean)} (n = {n})")


def _withheld_forms(results: ReviewResults, person_id: str, shown: pd.DataFrame) -> int:
    counts = results.person_scores.observer_counts
    if person_id not in counts.index.astype(str):
        return 0
    observers = int(
        pd.to_numeric(counts.loc[counts.index.astype(str) == person_id].max(axis=1)).max()
    )
    relations = shown[~shown["group"].isin([Relation.self.value, OBSERVERS])]
    per_group = relations.groupby("group")["n_raters"].max()
    return max(0, observers - int(per_group.sum()))


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def site_names(results: ReviewResults) -> list[str]:
    """The sites of the site profile, in its order."""
    return group_order(results.site_profile)
