"""The individual report's change section: each practice since the earlier wave.

The numbers come from :func:`colead.analysis.person_change.person_changes` (prepared by
:mod:`colead.jobs.person_reports`): the all-observer means each wave's report shows, their
difference and the reliable change index. A practice without a shown mean in either wave
gets no change; who rated in both waves is told exactly only when no part of the split is
below the anonymity minimum (:meth:`RaterContinuity.exact`).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from colead.analysis.person_change import (
    DECLINED,
    IMPROVED,
    UNCHANGED,
    PersonChange,
    RaterContinuity,
)
from colead.reports.chart_specs import format_score
from colead.reports.person_data import PersonData, WaveContext, join_words, practice_list, with_n
from colead.reports.sections import signed
from colead.reports.tables import Cell, Row, Table

__all__ = ["CATEGORY_LABELS", "change_section", "raters_sentence"]

#: reader-facing names of the reliable-change categories
CATEGORY_LABELS = {IMPROVED: "improved", UNCHANGED: "no reliable change", DECLINED: "declined"}


def raters_sentence(raters: RaterContinuity | None, wave: str, earlier: str, minimum: int) -> str:
    """Who rated the person in both waves, as counts; exact only when no part is small."""
    if raters is None or raters.now == 0:
        return ""
    now, both = raters.now, raters.both
    people = "observer" if now == 1 else "observers"
    if raters.exact(minimum):
        if both == now == raters.before:
            return f"The same {now} people rated you in {earlier} and in {wave}."
        if both == 0:
            return (
                f"None of your {now} {people} in {wave} rated you in {earlier}: the change "
                "compares different people's views."
            )
        text = f"{both} of your {now} {people} in {wave} also rated you in {earlier}"
        if raters.left:
            text += f"; {raters.left} who rated you in {earlier} did not rate you again"
        return text + "."
    amount = "Most" if both > now / 2 else ("Some" if both else "Few or none")
    return (
        f"{amount} of your {now} {people} in {wave} also rated you in {earlier} (exact numbers "
        f"are not shown when part of that split is fewer than {minimum} people)."
    )


def _reason_text(reason: str, earlier: str) -> str:
    if reason.startswith("reliability"):
        return f"the practice's reliability in {earlier} is not known"
    if reason.startswith("the baseline scores"):
        return f"people's scores on it did not vary in {earlier}"
    return reason


def change_section(
    wave: WaveContext, person: PersonData, in_plan: Collection[str] = ()
) -> dict[str, Any] | None:
    """The change table and its plain sentences; None when there is no earlier wave."""
    earlier = wave.earlier_wave
    if earlier is None:
        return None
    change = person.change
    rows_of = {}
    if change is not None:
        rows_of = {str(r["scale_id"]): r for r in change.practices.to_dict("records")}
    if not rows_of:
        return {"earlier": earlier, "table": None, "sentences": [], "raters": "", "basis": ""}
    titles = {s.id: s.title for s in practice_list(wave.framework)}
    planned = bool(in_plan)
    rows = []
    improved, declined, steady, no_rci = [], [], [], []
    for scale in practice_list(wave.framework):
        rec = rows_of.get(scale.id)
        plan_cell = (Cell("yes" if scale.id in in_plan else "", kind="text"),) if planned else ()
        if rec is None:
            note = Cell(f"not shown in {earlier} or in {wave.wave}", span=5, kind="note")
            rows.append(Row(scale.title, (note, *plan_cell)))
            continue
        before = with_n(float(rec["before"]), int(rec["n_before"]))
        after = with_n(float(rec["after"]), int(rec["n_after"]))
        if not math.isfinite(float(rec["change"])):
            missing = earlier if int(rec["n_before"]) == 0 else wave.wave
            note = Cell(f"no change: not shown in {missing}", span=3, kind="note")
            rows.append(Row(scale.title, (before, after, note, *plan_cell)))
            continue
        category = rec["category"]
        rci = float(rec["rci"])
        label = CATEGORY_LABELS.get(str(category), "–") if category is not None else "–"
        cells = (before, after, Cell(signed(rec["change"])), Cell(signed(rci)))
        rows.append(Row(scale.title, (*cells, Cell(label, kind="text"), *plan_cell)))
        entry = f"{titles[scale.id]} ({signed(rec['change'])}, RCI {signed(rci)})"
        if category == IMPROVED:
            improved.append(entry)
        elif category == DECLINED:
            declined.append(entry)
        elif category == UNCHANGED:
            steady.append(float(rec["change"]))
        else:
            no_rci.append((titles[scale.id], _reason_text(str(rec["reason"] or ""), earlier)))
    columns = (
        earlier,
        wave.wave,
        "Change",
        "Reliable change index",
        "Reading",
        *(("In your plan",) if planned else ()),
    )
    kinds = ("num", "num", "num", "num", "text", *(("text",) if planned else ()))
    caption = (
        f"All observers' mean in {earlier} and in {wave.wave} (n raters), the change and "
        "its reliable change index"
    )
    sentences = []
    if improved:
        sentences.append(
            f"Improved by more than measurement error explains: {join_words(improved)}."
        )
    if declined:
        sentences.append(
            f"Declined by more than measurement error explains: {join_words(declined)}."
        )
    if steady:
        others = "the other" if improved or declined else "all"
        count = len(steady)
        what = "practice" if count == 1 else "practices"
        sentences.append(
            f"No reliable change on {others} {count} {what}: their changes (from "
            f"{signed(min(steady))} to {signed(max(steady))}) are within what measurement "
            "error alone could produce, so read them as no change."
        )
    for title, why in no_rci:
        sentences.append(f"{title}: no reliable change index, because {why}.")
    raters = change.raters if change is not None else None
    return {
        "earlier": earlier,
        "table": Table(caption, "Practice", columns, tuple(rows), column_kinds=kinds),
        "sentences": sentences,
        "raters": raters_sentence(raters, wave.wave, earlier, wave.minimum),
        "improved": improved,
        "declined": declined,
        "steady": len(steady),
        "basis": _basis_note(change, earlier) if change is not None else "",
    }


def _basis_note(change: PersonChange, earlier: str) -> str:
    basis = change.basis
    alphas = [a for a in basis.reliability.values() if math.isfinite(a)]
    sds = [s for s in basis.sd_baseline.values() if math.isfinite(s)]
    if not alphas or not sds:
        return ""
    people = max(basis.n_people.values(), default=0)
    return (
        f"The index divides the change by the change measurement error alone would make "
        f"likely: √2 × SD × √(1 − reliability), with each practice's reliability (Cronbach's "
        f"alpha, {format_score(min(alphas))} to {format_score(max(alphas))}) and the SD of "
        f"everyone's observer means in {earlier} ({format_score(min(sds))} to "
        f"{format_score(max(sds))}, up to {people} people). Beyond ±1.96 a change is larger "
        "than measurement error explains (Jacobson & Truax 1991)."
    )
