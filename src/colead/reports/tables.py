"""Tables of the review report: result frames -> ready strings (``Table``, ``Row``, ``Cell``).

Anonymity is enforced on the way in (``profile_stats``): the value of a cell that is not shown
is dropped before anything else sees it, so no later step can print it by mistake. Every
builder is a small pure function; the Jinja2 templates only lay the tables out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colead.analysis.anonymity import OTHERS
from colead.analysis.results import Profile, ReviewResults, ScaleInfo
from colead.domain import LEVEL_LABELS, Relation
from colead.reports.chart_specs import QuadrantPoint, format_rate, format_score


@dataclass(frozen=True)
class Stat:
    """One group × scale cell of a profile; ``mean``/``sd`` are NaN unless ``shown``."""

    mean: float
    sd: float
    n: int
    shown: bool


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1
    kind: str = "num"  # CSS class: num (right-aligned figures), note (suppression), text


@dataclass(frozen=True)
class Row:
    header: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A data table as the template draws it: ``<caption>``, ``<th scope>`` headers, rows."""

    caption: str
    corner: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    column_groups: tuple[tuple[str, int], ...] = ()
    #: CSS class of each column header (default "num", right-aligned like its figures)
    column_kinds: tuple[str, ...] = ()

    def kind_of(self, index: int) -> str:
        return self.column_kinds[index] if index < len(self.column_kinds) else "num"


# ---------------------------------------------------------------------------- cells


def to_float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def to_count(value: Any) -> int:
    number = to_float(value)
    return int(number) if math.isfinite(number) else 0


def to_flag(value: Any) -> bool:
    # A missing "shown" (NaN, None, pd.NA) must mean hidden: bool(nan) would say True.
    if isinstance(value, bool | int):
        return bool(value)
    kind = getattr(getattr(value, "dtype", None), "kind", "")
    return bool(value) if kind in ("b", "i", "u") else False


def family_ids(results: ReviewResults) -> tuple[str, str]:
    """Ids of the leadership ("passion") and management ("system") families."""
    if results.continuum is not None:
        return results.continuum.passion_family, results.continuum.system_family
    return "leadership", "management"


def suppressed_text(minimum: int) -> str:
    return f"not shown (fewer than {minimum} people)"


def profile_stats(profile: Profile) -> dict[tuple[str, str], Stat]:
    """Cells of a profile keyed by ``(group, scale_id)``, with hidden values removed.

    A cell is shown only when the analysis marked it ``shown`` *and* it has at least
    ``profile.minimum`` people; this second check guards against a caller who passes values
    for a group the rule should hide.

    Parameters
    ----------
    profile
        Any profile of the results (site, organisation, level, systems).

    Returns
    -------
    dict
        ``(group, scale_id) -> Stat``; hidden cells have NaN mean and sd and n 0.
    """
    stats: dict[tuple[str, str], Stat] = {}
    for rec in profile.table.to_dict("records"):
        n = to_count(rec.get("n_people"))
        shown = to_flag(rec.get("shown")) and n >= profile.minimum
        key = (str(rec["group"]), str(rec["scale_id"]))
        if shown:
            stats[key] = Stat(to_float(rec.get("mean")), to_float(rec.get("sd")), n, True)
        else:
            stats[key] = Stat(math.nan, math.nan, 0, False)
    return stats


def group_order(profile: Profile) -> list[str]:
    """Groups in the order of the table; levels in level order."""
    groups = list(dict.fromkeys(str(g) for g in profile.table["group"]))
    if profile.by == "level":
        groups.sort(key=lambda g: (math.isnan(to_float(g)), to_float(g), g))
    return groups


def group_label(by: str, group: str) -> str:
    """Display name of a group: levels get their label ("2 Senior manager")."""
    if by == "level" and math.isfinite(to_float(group)):
        level = int(to_float(group))
        return f"{level} {LEVEL_LABELS.get(level, '')}".strip()
    return group


def relation_label(value: str) -> str:
    """Reader-facing name of a relation, or of the groups the anonymity rule folds into."""
    if value == OTHERS:
        # Distinct from the relation "other": small groups of any relation, combined.
        return "Others (combined)"
    try:
        return Relation(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


def hidden_groups(profile: Profile) -> list[str]:
    """Groups with no shown cell at all: they appear only as "not shown"."""
    shown = {group for (group, _), s in profile_stats(profile).items() if s.shown}
    return [g for g in group_order(profile) if g not in shown]


def score_cell(stat: Stat | None, row_n: int) -> Cell:
    if stat is None:
        return Cell("–")
    if not stat.shown:
        return Cell("not shown", kind="note")
    # The row carries n; a cell only repeats it when its own n differs (people with a
    # missing scale score), so every number still has its n beside it.
    text = format_score(stat.mean)
    return Cell(text if stat.n == row_n else f"{text} (n = {stat.n})")


# ---------------------------------------------------------------------------- tables


def participation_table(frame: pd.DataFrame, corner: str) -> Table:
    """Invited, completed and rate per group of a ``Participation`` table."""
    rows = []
    for rec in frame.to_dict("records"):
        invited, completed = to_count(rec.get("invited")), to_count(rec.get("completed"))
        group = str(rec["group"])
        label = relation_label(group) if corner == "Relation" else group
        cells = (Cell(str(invited)), Cell(str(completed)), Cell(format_rate(completed, invited)))
        rows.append(Row(label, cells))
    caption = f"Response by {corner.lower()}: forms invited and completed"
    return Table(caption, corner, ("Invited", "Completed", "Response rate"), tuple(rows))


def matrix_table(
    profile: Profile, scales: tuple[ScaleInfo, ...], caption: str, corner: str
) -> Table:
    """Groups as rows, scales as columns, with n people in the second column."""
    stats = profile_stats(profile)
    rows = []
    for g in group_order(profile):
        cells = [stats.get((g, s.id)) for s in scales]
        shown_n = [c.n for c in cells if c is not None and c.shown]
        label = group_label(profile.by, g)
        if not shown_n:
            note = Cell(suppressed_text(profile.minimum), span=len(scales) + 1, kind="note")
            rows.append(Row(label, (note,)))
            continue
        row_n = max(shown_n)
        rows.append(Row(label, (Cell(str(row_n)), *(score_cell(c, row_n) for c in cells))))
    columns = ("n people", *(s.title for s in scales))
    return Table(caption, corner, columns, tuple(rows))


def organisation_table(profile: Profile, scales: tuple[ScaleInfo, ...]) -> Table:
    """Practices as rows; mean, sd and n people for each organisation."""
    stats = profile_stats(profile)
    orgs = group_order(profile)
    rows = []
    for scale in scales:
        cells: list[Cell] = []
        for org in orgs:
            stat = stats.get((org, scale.id))
            if stat is None or not stat.shown:
                cells.append(Cell(suppressed_text(profile.minimum), span=3, kind="note"))
            else:
                sd = format_score(stat.sd)
                cells += [Cell(format_score(stat.mean)), Cell(sd), Cell(str(stat.n))]
        rows.append(Row(scale.title, tuple(cells)))
    columns = tuple(c for _ in orgs for c in ("Mean", "SD", "n people"))
    caption = "Leadership practices by organisation: mean, standard deviation and n people"
    return Table(caption, "Practice", columns, tuple(rows), tuple((o, 3) for o in orgs))


#: Most site columns in one table: more do not fit a printed page or a phone.
SITES_PER_TABLE = 10


def systems_tables(
    profile: Profile,
    scales: tuple[ScaleInfo, ...],
    *,
    caption: str = "Systems and structures (ISO 44001 clauses) by site: mean score, n people",
    corner: str = "Clause / scale",
) -> list[Table]:
    """Scales as rows and shown groups (sites) as columns; the first row gives n people.

    Many sites are split over several tables of at most :data:`SITES_PER_TABLE` columns,
    each caption saying which sites it holds.
    """
    stats = profile_stats(profile)
    hidden = set(hidden_groups(profile))
    sites = [g for g in group_order(profile) if g not in hidden]
    if not sites or not scales:
        return []
    site_n = {g: max(s.n for (group, _), s in stats.items() if group == g) for g in sites}
    tables = []
    for start in range(0, len(sites), SITES_PER_TABLE):
        chunk = sites[start : start + SITES_PER_TABLE]
        rows = [Row("n people", tuple(Cell(str(site_n[g])) for g in chunk))]
        for scale in scales:
            cells = tuple(score_cell(stats.get((g, scale.id)), site_n[g]) for g in chunk)
            rows.append(Row(scale.title, cells))
        part = (
            f" (sites {start + 1}–{start + len(chunk)} of {len(sites)})"
            if len(sites) > SITES_PER_TABLE
            else ""
        )
        tables.append(Table(caption + part, corner, tuple(chunk), tuple(rows)))
    return tables


def continuum_table(points: list[QuadrantPoint], hidden: list[str], minimum: int) -> Table:
    rows = [
        Row(
            p.label,
            (
                Cell(str(p.n)),
                Cell(format_score(p.y)),
                Cell(format_score(p.x)),
                Cell(p.quadrant, kind="text"),
            ),
        )
        for p in points
    ]
    rows += [Row(g, (Cell(suppressed_text(minimum), span=4, kind="note"),)) for g in hidden]
    columns = ("n people", "Passion (leadership mean)", "System (management mean)", "Position")
    kinds = ("num", "num", "num", "text")
    return Table("System and passion by site", "Site", columns, tuple(rows), column_kinds=kinds)
