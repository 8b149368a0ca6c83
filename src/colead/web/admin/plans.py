"""The console's pages of personal development plans.

Generate draft plans for a wave (:func:`colead.development.plans.generate_plans`), list them with
how far their actions have got, and open one plan to edit its actions (text, owner, due date,
status), add an action of one's own and move the plan from draft to agreed to done. Every change
goes through :mod:`colead.development.plans` with the admin's e-mail as the actor, so it is audited.
A refused form comes back with what was typed and what to fix.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.development import plan_views, plans
from colead.domain import WaveStatus
from colead.errors import ColeadError, Conflict, InvalidData, NotFound
from colead.fieldwork.lifecycle import review_waves
from colead.store import transaction
from colead.web.admin.console import PREFIX, AdminForm, AdminPage, Console, app_engine, see_other
from colead.web.admin.programmes import form_date, refused_status
from colead.web.admin.sessions import AdminSession

#: how action statuses are worded on the pages
ACTION_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
PLAN_LABELS = {"draft": "Draft", "agreed": "Agreed", "done": "Done"}
DONE_MESSAGES = {
    "status": "The plan's status was changed.",
    "action": "The action was saved.",
    "added": "The action was added.",
}

Short = Annotated[str, Form(max_length=40)]
Text = Annotated[str, Form(max_length=plans.MAX_TEXT + 100)]
Owner = Annotated[str, Form(max_length=plans.MAX_OWNER + 100)]


def record_id(text: str, what: str) -> int:
    """A numeric id from the address; NotFound for anything else."""
    if not text.isdigit() or len(text) > 12:
        raise NotFound(f"There is no {what} {text!r}.", "Open it from its list.")
    return int(text)


def today() -> datetime:
    return datetime.now(UTC)


def plans_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def plans_url(request: Request, name: str) -> str:
        return f"{console.review_url(request, name)}/plans"

    def list_page(
        request: Request,
        name: str,
        admin: AdminSession,
        *,
        notice: str = "",
        refused: ColeadError | None = None,
        entered: dict[str, str] | None = None,
    ) -> Response:
        with transaction(app_engine(request)) as session:
            listed = plan_views.list_plans(session, name, today().date())
            closed = [w.name for w in review_waves(session, name) if w.status is WaveStatus.closed]
        return console.page(
            request,
            "plans.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            listed=listed,
            closed=closed,
            labels=PLAN_LABELS,
            notice=notice,
            refused=refused,
            entered=entered or {},
        )

    @router.get("/reviews/{name}/plans", response_model=None)
    def plan_list(
        request: Request,
        name: str,
        admin: AdminPage,
        created: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
        existing: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        without: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> Response:
        notice = ""
        if created is not None:
            notice = (
                f"{created} plan(s) created; {existing} person(s) already had one for the wave "
                f"and kept it; {without} person(s) had no observer scores shown to base one on."
            )
        return list_page(request, name, admin, notice=notice)

    @router.post("/reviews/{name}/plans/generate", response_model=None)
    def generate(
        request: Request,
        name: str,
        admin: AdminForm,
        wave: Annotated[str, Form(max_length=200)] = "",
        due: Short = "",
    ) -> Response:
        try:
            made = plans.generate_plans(
                app_engine(request),
                name,
                wave.strip() or None,
                actor=admin.email or "",
                due=form_date(due, "due date"),
                minimum=console.settings.anonymity_minimum,
            )
        except InvalidData as refused:
            return list_page(
                request, name, admin, refused=refused, entered={"wave": wave, "due": due}
            )
        counts = (len(made.created), len(made.existing), len(made.without_focus))
        query = "created={}&existing={}&without={}".format(*counts)
        return see_other(f"{plans_url(request, name)}?{query}")

    def plan_page(
        request: Request,
        name: str,
        plan: str,
        admin: AdminSession,
        *,
        done: str = "",
        refused: ColeadError | None = None,
        entered: dict[str, str] | None = None,
    ) -> Response:
        when = today().date()
        with transaction(app_engine(request)) as session:
            detail = plan_views.plan_detail(session, name, record_id(plan, "plan"), when)
        return console.page(
            request,
            "plan.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            plan_url=f"{plans_url(request, name)}/{detail.plan.id}",
            detail=detail,
            plan=detail.plan,
            today=when,
            overdue=plan_views.is_overdue,
            next_status=plans.PLAN_STEPS[detail.plan.status],
            plan_labels=PLAN_LABELS,
            action_labels=ACTION_LABELS,
            action_steps=plans.ACTION_STEPS,
            done=DONE_MESSAGES.get(done, ""),
            refused=refused,
            entered=entered or {},
        )

    @router.get("/reviews/{name}/plans/{plan}", response_model=None)
    def show_plan(
        request: Request,
        name: str,
        plan: str,
        admin: AdminPage,
        done: Annotated[str, Query(max_length=20)] = "",
    ) -> Response:
        return plan_page(request, name, plan, admin, done=done)

    def owned_plan(request: Request, name: str, plan: str) -> plan_views.PlanDetail:
        with transaction(app_engine(request)) as session:
            return plan_views.plan_detail(session, name, record_id(plan, "plan"), today().date())

    @router.post("/reviews/{name}/plans/{plan}/status", response_model=None)
    def plan_status(
        request: Request, name: str, plan: str, admin: AdminForm, status: Short = ""
    ) -> Response:
        detail = owned_plan(request, name, plan)
        try:
            with transaction(app_engine(request)) as session:
                plans.set_plan_status(session, detail.plan.id, status, actor=admin.email or "")
        except (InvalidData, Conflict) as refused:
            return plan_page(request, name, plan, admin, refused=refused)
        return see_other(f"{plans_url(request, name)}/{detail.plan.id}?done=status")

    @router.post("/reviews/{name}/plans/{plan}/actions", response_model=None)
    def add_action(
        request: Request,
        name: str,
        plan: str,
        admin: AdminForm,
        text: Text = "",
        owner: Owner = "",
        due: Short = "",
    ) -> Response:
        detail = owned_plan(request, name, plan)
        try:
            with transaction(app_engine(request)) as session:
                plans.add_custom_action(
                    session,
                    detail.plan.id,
                    text,
                    actor=admin.email or "",
                    owner=owner if owner.strip() else None,
                    due_date=form_date(due, "due date"),
                )
        except InvalidData as refused:
            entered = {"new_text": text, "new_owner": owner, "new_due": due}
            return plan_page(request, name, plan, admin, refused=refused, entered=entered)
        return see_other(f"{plans_url(request, name)}/{detail.plan.id}?done=added#actions")

    @router.post("/reviews/{name}/plans/{plan}/actions/{action}", response_model=None)
    def change_action(
        request: Request,
        name: str,
        plan: str,
        action: str,
        admin: AdminForm,
        text: Text = "",
        owner: Owner = "",
        due: Short = "",
        status: Short = "",
    ) -> Response:
        detail = owned_plan(request, name, plan)
        action_id = record_id(action, "action")
        if action_id not in {a.id for a in detail.actions}:
            raise NotFound(f"Plan {detail.plan.id} has no action {action_id}.", "Reload the plan.")
        try:
            change = plans.ActionChange(
                status=status or None,
                text=text,
                # an emptied owner field clears the owner (the core treats "" as none)
                owner=owner,
                due_date=form_date(due, "due date"),
            )
            with transaction(app_engine(request)) as session:
                plans.update_action(session, action_id, change, actor=admin.email or "")
        except (InvalidData, Conflict) as refused:
            entered = {"action": str(action_id), "text": text, "owner": owner, "due": due}
            return plan_page(request, name, plan, admin, refused=refused, entered=entered)
        return see_other(f"{plans_url(request, name)}/{detail.plan.id}?done=action#actions")

    return router
