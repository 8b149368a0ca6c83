"""The individual report's one-page summary and its "where to start" section.

Both read figures other sections show already: the all-observer means (strongest and
lowest practices), the self-other gaps (largest blind spot and hidden strength), the change
since the earlier wave, the development priorities of
:func:`colead.analysis.priorities.development_priorities` and the person's plan.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colead.analysis.anonymity import OBSERVERS
from colead.analysis.benchmark import percentile_rank
from colead.analysis.individual import BLIND_SPOT, HIDDEN_STRENGTH, self_other_gaps
from colead.analysis.priorities import (
    BY_NORMS,
    BY_SELF,
    Priorities,
    Priority,
    development_priorities,
)
from colead.reports.chart_specs import format_score
from colead.reports.person_data import SELF, Cells, PersonData, WaveContext, practice_list
from colead.reports.person_plan import next_step
from colead.reports.sections import ordinal

__all__ = [
    "LOWEST_PRACTICES",
    "SUMMARY_PRACTICES",
    "development_section",
    "person_priorities",
    "summary_section",
]

#: practices the development section covers
LOWEST_PRACTICES = 3
#: strongest and lowest practices the summary names
SUMMARY_PRACTICES = 3


@dataclass(frozen=True)
class Action:
    scale: str
    score: str
    n: int
    texts: tuple[str, ...]
    why: str


def _gap_table(wave: WaveContext, person: PersonData) -> pd.DataFrame:
    if person.gaps is not None:
        return person.gaps
    return self_other_gaps(person.scores, margin=wave.gap_margin).table


def person_priorities(wave: WaveContext, person: PersonData, cells: Cells) -> Priorities:
    """The person's practices in order of priority (norms percentile and blind spots)."""
    ids = [s.id for s in practice_list(wave.framework)]
    observers = {
        s: (cells[(s, OBSERVERS)][0], cells[(s, OBSERVERS)][2])
        for s in ids
        if (s, OBSERVERS) in cells
    }
    own = {s: cells[(s, SELF)][0] for s in ids if (s, SELF) in cells}
    gaps = {
        str(r["scale_id"]): (float(r["gap"]), str(r["kind"]) == BLIND_SPOT)
        for r in _gap_table(wave, person).to_dict("records")
    }
    return development_priorities(ids, observers, own, gaps, wave.norms)


def _why(item: Priority, basis: str, in_plan: Collection[str]) -> str:
    """The evidence that placed a practice, in plain words."""
    parts = []
    if basis == BY_NORMS:
        if item.percentile is None:
            parts.append(
                f"no norm for this practice; your observers' average is {format_score(item.score)}"
            )
        else:
            below = " (below par)" if item.below_par else ""
            parts.append(f"{ordinal(item.percentile)} percentile of the norm group{below}")
    elif basis == BY_SELF:
        parts.append(f"your own rating is {format_score(item.score)}")
    else:
        parts.append(f"your observers' average is {format_score(item.score)}")
    if item.blind_spot and item.gap is not None:
        parts.append(f"you rate yourself {format_score(item.gap)} higher than others do")
    if item.scale_id in in_plan:
        parts.append("already in your development plan")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def development_section(
    wave: WaveContext, priorities: Priorities, in_plan: Collection[str]
) -> dict[str, Any]:
    """The first practices to work on, each with why it was chosen and actions to try."""
    scales = {s.id: s for s in practice_list(wave.framework)}
    actions = [
        Action(
            scales[p.scale_id].title,
            format_score(p.score),
            p.n,
            tuple(a.text for a in scales[p.scale_id].actions),
            _why(p, priorities.basis, in_plan),
        )
        for p in priorities.first(LOWEST_PRACTICES)
    ]
    return {"actions": actions, "basis": priorities.basis}


def _practice_line(wave: WaveContext, scale_id: str, cells: Cells) -> dict[str, str]:
    mean, _, n = cells[(scale_id, OBSERVERS)]
    title = wave.framework.scale(scale_id).title
    percentile = ""
    norm = (wave.norms or {}).get(scale_id)
    if norm is not None:
        rank = percentile_rank(mean, norm).percentile
        if math.isfinite(rank):
            percentile = f"{ordinal(rank)} percentile"
    return {"title": title, "score": f"{format_score(mean)} (n = {n})", "percentile": percentile}


def strongest_and_lowest(wave: WaveContext, cells: Cells) -> tuple[list[str], list[str]]:
    """Practice ids with the highest and lowest all-observer means (ties: framework order).

    With fewer than twice :data:`SUMMARY_PRACTICES` shown, the two lists share them out
    without overlap.
    """
    ids = [s.id for s in practice_list(wave.framework)]
    shown = [s for s in ids if (s, OBSERVERS) in cells and math.isfinite(cells[(s, OBSERVERS)][0])]
    each = min(SUMMARY_PRACTICES, len(shown) // 2) if len(shown) > 1 else len(shown)
    # Means equal but for rounding noise (sums of different forms) count as ties.
    mean = {s: round(cells[(s, OBSERVERS)][0], 9) for s in shown}
    order = sorted(shown, key=lambda s: (-mean[s], ids.index(s)))
    top = order[:each]
    rest = [s for s in shown if s not in top]
    bottom = sorted(rest, key=lambda s: (mean[s], ids.index(s)))[:each]
    return top, bottom


def _largest_gap(wave: WaveContext, person: PersonData, kind: str) -> dict[str, str] | None:
    table = _gap_table(wave, person)
    found = table[table["kind"] == kind]
    if found.empty:
        return None
    rec = found.loc[found["gap"].abs().idxmax()]
    return {
        "title": wave.framework.scale(str(rec["scale_id"])).title,
        "self": format_score(float(rec["self"])),
        "observers": format_score(float(rec["observers"])),
        "n": str(int(rec["n_observers"])),
        "gap": format_score(abs(float(rec["gap"]))),
    }


def summary_section(
    wave: WaveContext,
    person: PersonData,
    cells: Cells,
    priorities: Priorities,
    change: dict[str, Any] | None,
    in_plan: Collection[str],
) -> dict[str, Any]:
    """Everything the first page says, as ready strings."""
    top, bottom = strongest_and_lowest(wave, cells)
    first = priorities.first(1)
    start = None
    if first:
        start = {
            "title": wave.framework.scale(first[0].scale_id).title,
            "why": _why(first[0], priorities.basis, in_plan),
        }
    titles = {s.id: s.title for s in wave.framework.scales}
    plan: dict[str, Any] | None = None
    if person.plans is not None:
        step = next_step(person.plans, titles)
        actions = [a for d in person.plans for a in d.actions]
        done = sum(a.status == "done" for a in actions)
        plan = {
            "exists": bool(person.plans),
            "progress": f"{done} of {len(actions)} actions done" if actions else "no actions yet",
            "step": step,
        }
    return {
        "n_observers": max((v[2] for (_, g), v in cells.items() if g == OBSERVERS), default=0),
        "strongest": [_practice_line(wave, s, cells) for s in top],
        "lowest": [_practice_line(wave, s, cells) for s in bottom],
        "blind": _largest_gap(wave, person, BLIND_SPOT),
        "hidden": _largest_gap(wave, person, HIDDEN_STRENGTH),
        "start": start,
        "change": change,
        "plan": plan,
        "margin": format_score(wave.gap_margin),
    }
