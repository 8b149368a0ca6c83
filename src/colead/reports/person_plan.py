"""The individual report's plan section: the person's development plans and their progress.

The plans are read by :mod:`colead.jobs.person_reports` with the readers of the
``colead plan`` commands (:func:`colead.development.plan_views.list_plans` and
:func:`colead.development.plans.list_plan_actions`) as the participant pages show them
(:class:`~colead.development.plan_views.PlanDetail`); only plans of this wave or an earlier
one are passed. A plan is the person's own, so its actions are shown in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from colead.reports.person_data import PersonData, WaveContext
from colead.reports.tables import Cell, Row, Table

if TYPE_CHECKING:
    from colead.development.plan_views import PlanDetail
    from colead.store.plans import ActionRow

__all__ = ["ACTION_STATUS", "NextStep", "next_step", "plan_practices", "plan_section"]

#: action statuses in the order the page lists them: what is under way, then what is next
ACTION_STATUS = {
    "in_progress": "in progress",
    "open": "open",
    "done": "done",
    "dropped": "dropped",
}
PLAN_STATUS = {"draft": "draft", "agreed": "agreed", "done": "completed"}
_ORDER = {status: k for k, status in enumerate(ACTION_STATUS)}


@dataclass(frozen=True)
class NextStep:
    """The first action still to do: its text, practice title and status label."""

    text: str
    practice: str
    status: str


def _sorted_actions(actions: Sequence[ActionRow]) -> list[ActionRow]:
    return sorted(
        actions,
        key=lambda a: (
            _ORDER.get(a.status, len(_ORDER)),
            a.due_date is None,
            a.due_date.toordinal() if a.due_date is not None else 0,
            a.id,
        ),
    )


def next_step(plans: Sequence[PlanDetail], titles: dict[str, str]) -> NextStep | None:
    """The latest plan's first action in progress, else its first open one."""
    for detail in reversed(plans):
        for action in _sorted_actions(detail.actions):
            if action.status in ("in_progress", "open"):
                practice = titles.get(action.practice_id or "", "")
                return NextStep(action.description, practice, ACTION_STATUS[action.status])
    return None


def plan_practices(plans: Sequence[PlanDetail] | None) -> set[str]:
    """The practices the person's plans work on (dropped actions left out)."""
    return {
        a.practice_id
        for detail in plans or ()
        for a in detail.actions
        if a.practice_id and a.status != "dropped"
    }


def _progress(detail: PlanDetail) -> str:
    counts = {status: 0 for status in ACTION_STATUS}
    for action in detail.actions:
        counts[action.status] = counts.get(action.status, 0) + 1
    total = len(detail.actions)
    if not total:
        return "No actions yet."
    parts = [f"{counts['done']} of {total} actions done"]
    parts += [
        f"{counts[s]} {ACTION_STATUS[s]}" for s in ("in_progress", "open", "dropped") if counts[s]
    ]
    text = ", ".join(parts) + "."
    if detail.plan.overdue:
        text += f" {detail.plan.overdue} past their due date."
    return text


def plan_section(wave: WaveContext, person: PersonData) -> dict[str, Any] | None:
    """The plans as tables of actions; None when plans were not looked up."""
    if person.plans is None:
        return None
    titles = {s.id: s.title for s in wave.framework.scales}
    shown = []
    for detail in reversed(person.plans):  # the latest first
        plan = detail.plan
        rows = tuple(
            Row(
                action.description,
                (
                    Cell(titles.get(action.practice_id or "", "–"), kind="text"),
                    Cell(ACTION_STATUS.get(action.status, action.status), kind="text"),
                    Cell(action.due_date.isoformat() if action.due_date else "–", kind="text"),
                ),
            )
            for action in _sorted_actions(detail.actions)
        )
        whence = f"from the {plan.wave} wave" if plan.wave else "of this review"
        caption = f"Your development plan {whence}: each action, its practice and where it stands"
        shown.append(
            {
                "title": f"Plan {whence}",
                "status": PLAN_STATUS.get(plan.status, plan.status),
                "progress": _progress(detail),
                "note": plan.notes or "",
                "table": Table(
                    caption,
                    "Action",
                    ("Practice", "Status", "Due"),
                    rows,
                    column_kinds=("text", "text", "text"),
                )
                if rows
                else None,
            }
        )
    return {"plans": shown}
