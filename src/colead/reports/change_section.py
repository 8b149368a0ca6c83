"""The "Change since baseline" section of a follow-up review report.

Turns :class:`~colead.analysis.wave_change.ChangeSinceBaseline` into ready strings: who moved on the
system and passion map, and before, after and change with its 95% interval for the whole
relationship, each organisation and each site, family by family, and for each practice
across the relationship. A row shows values only when the analysis marked it shown *and*
it has at least the anonymity minimum of people at both waves (the same double guard as
:func:`~colead.reports.tables.profile_stats`), so a careless caller that leaves values in
a hidden row still gets nothing printed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colead.analysis.results import ChangeSinceBaseline, ReviewResults
from colead.analysis.wave_change import (
    PAIRED,
    PARTLY_PAIRED,
    RELATIONSHIP,
    WELCH,
)
from colead.domain import QUADRANT_LABELS
from colead.reports.chart_specs import format_score
from colead.reports.sections import Section, h3, p, scale_titles, tab
from colead.reports.tables import Cell, Row, Table, to_count, to_flag, to_float

__all__ = [
    "RELATIONSHIP_LABEL",
    "ChangeRow",
    "change_rows",
    "change_section",
    "change_text",
    "group_label",
    "moved_groups",
    "signed_change",
]

RELATIONSHIP_LABEL = "Whole relationship"
METHOD_LABELS = {PAIRED: "paired", PARTLY_PAIRED: "partly paired", WELCH: "Welch"}
#: the change first, so that a phone shows it beside the group before the table scrolls
_COLUMNS = ("Change [95% CI]", "Before", "After", "n people", "Interval")


@dataclass(frozen=True)
class ChangeRow:
    """One shown row of the change table, values as numbers (NaN: none)."""

    by: str
    group: str
    measure: str
    n_before: int
    n_after: int
    before: float
    after: float
    change: float
    ci_low: float
    ci_high: float
    method: str

    @property
    def clear_rise(self) -> bool:
        return self.ci_low > 0

    @property
    def clear_fall(self) -> bool:
        return self.ci_high < 0

    def figures(self) -> str:
        """``2.73 → 2.86 (+0.13 [+0.05, +0.21], n 36 → 36)``: the row in one phrase."""
        change = change_text(self.change, self.ci_low, self.ci_high)
        return (
            f"{format_score(self.before)} → {format_score(self.after)} ({change}, "
            f"{people_count(self.n_before, self.n_after)})"
        )


def signed_change(value: float) -> str:
    """``+0.12``, ``-0.04``; a value that rounds to zero is ``0.00`` (never ``-0.00``)."""
    if not math.isfinite(value):
        return "–"
    return "0.00" if round(value, 2) == 0 else f"{value:+.2f}"


def change_text(change: float, low: float, high: float) -> str:
    """``+0.12 [+0.05, +0.20]``: a change and its 95% confidence interval, when it has one."""
    text = signed_change(change)
    if not (math.isfinite(low) and math.isfinite(high)):
        return text
    return f"{text} [{signed_change(low)}, {signed_change(high)}]"


def people_count(before: int, after: int) -> str:
    return f"n {before}" if before == after else f"n {before} → {after}"


def group_label(by: str, group: str) -> str:
    return RELATIONSHIP_LABEL if by == RELATIONSHIP else group


def change_rows(
    change: ChangeSinceBaseline, *, by: str | None = None, measure: str | None = None
) -> list[ChangeRow]:
    """The shown rows of ``change``, optionally of one grouping and measure."""
    table = change.changes
    if by is not None:
        table = table[table["by"] == by]
    if measure is not None:
        table = table[table["measure"] == measure]
    found = []
    for rec in table.to_dict("records"):
        row = _shown_row(rec, change.minimum)
        if row is not None:
            found.append(row)
    return found


def _shown_row(rec: dict[str, Any], minimum: int) -> ChangeRow | None:
    n_before, n_after = to_count(rec.get("n_before")), to_count(rec.get("n_after"))
    values = [to_float(rec.get(k)) for k in ("before", "after", "change")]
    if not (
        to_flag(rec.get("shown"))
        and min(n_before, n_after) >= minimum
        and all(math.isfinite(v) for v in values)
    ):
        return None
    return ChangeRow(
        by=str(rec["by"]),
        group=str(rec["group"]),
        measure=str(rec["measure"]),
        n_before=n_before,
        n_after=n_after,
        before=values[0],
        after=values[1],
        change=values[2],
        ci_low=to_float(rec.get("ci_low")),
        ci_high=to_float(rec.get("ci_high")),
        method=str(rec.get("method") or ""),
    )


def moved_groups(change: ChangeSinceBaseline, by: str) -> list[tuple[str, str, str]]:
    """``(group, quadrant before, quadrant after)`` of shown groups that changed quadrant."""
    positions = change.positions
    rows = positions[(positions["by"] == by) & positions["shown"].astype(bool)]
    return [
        (str(r["group"]), str(r["before"]), str(r["after"]))
        for r in rows.to_dict("records")
        if r["before"] != r["after"]
    ]


def change_section(results: ReviewResults) -> Section | None:
    """The section, or None for a wave with no baseline to compare with."""
    change = results.change_since_baseline
    if change is None:
        return None
    titles = scale_titles(results)
    minimum = change.minimum
    blocks = [
        p(
            f"The figures of this wave (\u201c{change.follow_up_wave}\u201d) beside those of "
            f"the review's first wave (\u201c{change.baseline_wave}\u201d). Before and after "
            "are the figures each wave's report shows; the change is after minus before, with "
            "its 95% confidence interval in brackets. Where the interval does not include 0 "
            "the change is larger than chance alone would give."
        ),
    ]
    if not change.positions.empty:
        blocks += [h3("System and passion: who moved"), p(_moves_sentence(change))]
        blocks.append(tab(_positions_table(change)))
    for family, title in results.families.items():
        if not (change.changes["measure"] == family).any():
            continue
        for by, caption in (
            ("organisation", f"{title}: the whole relationship and each organisation"),
            ("site", f"{title} by site"),
        ):
            groups = [RELATIONSHIP, by] if by == "organisation" else [by]
            records = change.changes[
                change.changes["by"].isin(groups) & (change.changes["measure"] == family)
            ]
            corner = "Organisation" if by == "organisation" else "Site"
            blocks.append(tab(_change_table(records, caption, corner, minimum, _group_name)))
    practices = change.changes[change.changes["kind"] == "practice"]
    if not practices.empty:
        blocks += [
            h3("Practices across the relationship"),
            tab(
                _change_table(
                    practices,
                    "Each practice across the whole relationship",
                    "Practice",
                    minimum,
                    lambda rec: titles.get(str(rec["measure"]), str(rec["measure"])),
                )
            ),
        ]
    blocks += [
        h3("How to read the intervals"),
        p(
            "Paired: the same people stand behind the figure at both waves, and the interval "
            "is that of their own changes (a paired t interval, as R's t.test(after, before, "
            "paired = TRUE)). Partly paired: most people are in both waves but someone "
            "joined, left or was not scored on a practice at one wave; the interval pairs "
            "the people seen twice and counts the others as independent (the partially "
            "overlapping samples t-test of Derrick, Russ, Toher and White 2017, as R's "
            "Partiallyoverlapping::Partover.test). Welch: fewer than two people are in both "
            "waves, so the waves are compared as independent samples (Welch 1947, as R's "
            "t.test(after, before))."
        ),
        p(
            f"Anonymity: a group shows values only when it has at least {minimum} people and "
            f"{minimum} raters at both waves. Before and after are the figures already in "
            "each wave's report, built from the answers each wave publishes, and the two "
            "waves share no answers, so setting the reports side by side tells nothing more "
            "about any one rater."
        ),
    ]
    return Section("change", "Change since baseline", "Change since baseline", tuple(blocks))


def _change_table(
    records: pd.DataFrame,
    caption: str,
    corner: str,
    minimum: int,
    name_of: Callable[[dict[str, Any]], str],
) -> Table:
    rows = []
    for rec in records.to_dict("records"):
        name = name_of(rec)
        row = _shown_row(rec, minimum)
        if row is None:
            text = f"not shown (fewer than {minimum} people or raters at one of the waves)"
            rows.append(Row(name, (Cell(text, span=len(_COLUMNS), kind="note"),)))
            continue
        rows.append(
            Row(
                name,
                (
                    Cell(change_text(row.change, row.ci_low, row.ci_high)),
                    Cell(format_score(row.before)),
                    Cell(format_score(row.after)),
                    Cell(people_count(row.n_before, row.n_after).removeprefix("n ")),
                    Cell(METHOD_LABELS.get(row.method, row.method or "–"), kind="text"),
                ),
            )
        )
    kinds = ("num", "num", "num", "num", "text")
    return Table(caption, corner, _COLUMNS, tuple(rows), column_kinds=kinds)


def _positions_table(change: ChangeSinceBaseline) -> Table:
    """One line per group: its place at baseline and, if it moved, where it went."""
    rows = []
    for rec in change.positions.to_dict("records"):
        name = group_label(str(rec["by"]), str(rec["group"]))
        if not to_flag(rec.get("shown")):
            text = f"not shown (fewer than {change.minimum} people or raters at one of the waves)"
            rows.append(Row(name, (Cell(text, kind="note"),)))
            continue
        before, after = (QUADRANT_LABELS.get(str(rec[k]), str(rec[k])) for k in ("before", "after"))
        text = f"{before} \u2192 {after}" if before != after else f"{before}, unchanged"
        rows.append(Row(name, (Cell(text, kind="text"),)))
    columns = (f"{change.baseline_wave.capitalize()} \u2192 {change.follow_up_wave}",)
    caption = "Position on system and passion at each wave"
    return Table(caption, "Group", columns, tuple(rows), column_kinds=("text",))


def _moves_sentence(change: ChangeSinceBaseline) -> str:
    sites = change.positions[change.positions["by"] == "site"]
    shown = int(sites["shown"].astype(bool).sum())
    moved = moved_groups(change, "site")
    threshold = format_score(change.threshold)
    if not moved:
        return (
            f"No site changed position: each of the {shown} sites shown at both waves is on "
            f"the same side of {threshold} on both axes as at baseline."
        )
    moves = "; ".join(
        f"{g} from {QUADRANT_LABELS.get(a, a)} to {QUADRANT_LABELS.get(b, b)}" for g, a, b in moved
    )
    return f"{len(moved)} of {shown} sites moved (threshold {threshold}): {moves}."


def _group_name(rec: dict[str, Any]) -> str:
    return group_label(str(rec["by"]), str(rec["group"]))
