"""The console's page of a review's improvement actions (the relationship action log).

List the log with what is overdue, seed the improvements the source paper's conclusions
call for, add actions of one's own and change an action's owner, due date, wording or
status. The work is done by :mod:`colead.development.review_actions` with the admin's e-mail as the
actor, so every change is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from colead.development import plans, review_actions
from colead.errors import ColeadError, Conflict, InvalidData
from colead.store import transaction
from colead.web.admin.console import PREFIX, AdminForm, AdminPage, Console, app_engine, see_other
from colead.web.admin.plans import ACTION_LABELS, Owner, Short, Text, record_id
from colead.web.admin.programmes import form_date, refused_status
from colead.web.admin.sessions import AdminSession

DONE_MESSAGES = {
    "seeded": "The paper's improvement actions are in the log.",
    "added": "The action was added.",
    "saved": "The action was saved.",
}
#: how the seeded topics are named on the page
TOPIC_LABELS = {
    "link_deliverables": "Link deliverables to enablers",
    "measure_leadership": "Measure leadership",
    "develop_all_levels": "Develop beyond senior roles",
    "evaluate": "Evaluate",
}


def actions_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def actions_url(request: Request, name: str) -> str:
        return f"{console.review_url(request, name)}/actions"

    def page(
        request: Request,
        name: str,
        admin: AdminSession,
        *,
        done: str = "",
        refused: ColeadError | None = None,
        entered: dict[str, str] | None = None,
    ) -> Response:
        with transaction(app_engine(request)) as session:
            log = review_actions.action_log(session, name, datetime.now(UTC).date())
        return console.page(
            request,
            "actions.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            actions_url=actions_url(request, name),
            log=log,
            unseeded=[t for t in review_actions.SEEDED if t not in {a.topic for a in log.actions}],
            topics=TOPIC_LABELS,
            labels=ACTION_LABELS,
            steps=plans.ACTION_STEPS,
            done=DONE_MESSAGES.get(done, ""),
            refused=refused,
            entered=entered or {},
        )

    @router.get("/reviews/{name}/actions", response_model=None)
    def action_list(
        request: Request,
        name: str,
        admin: AdminPage,
        done: Annotated[str, Query(max_length=20)] = "",
    ) -> Response:
        return page(request, name, admin, done=done)

    @router.post("/reviews/{name}/actions/seed", response_model=None)
    def seed(request: Request, name: str, admin: AdminForm) -> Response:
        with transaction(app_engine(request)) as session:
            review_actions.seed_review_actions(session, name, admin.email or "")
        return see_other(f"{actions_url(request, name)}?done=seeded")

    @router.post("/reviews/{name}/actions", response_model=None)
    def add(
        request: Request,
        name: str,
        admin: AdminForm,
        text: Text = "",
        owner: Owner = "",
        due: Short = "",
    ) -> Response:
        try:
            with transaction(app_engine(request)) as session:
                review_actions.add_review_action(
                    session,
                    name,
                    text,
                    actor=admin.email or "",
                    owner=owner if owner.strip() else None,
                    due_date=form_date(due, "due date"),
                )
        except InvalidData as refused:
            entered = {"new_text": text, "new_owner": owner, "new_due": due}
            return page(request, name, admin, refused=refused, entered=entered)
        return see_other(f"{actions_url(request, name)}?done=added")

    @router.post("/reviews/{name}/actions/{action}", response_model=None)
    def change(
        request: Request,
        name: str,
        action: str,
        admin: AdminForm,
        text: Text = "",
        owner: Owner = "",
        due: Short = "",
        status: Short = "",
    ) -> Response:
        action_id = record_id(action, "action")
        try:
            update = plans.ActionChange(
                status=status or None, text=text, owner=owner, due_date=form_date(due, "due date")
            )
            with transaction(app_engine(request)) as session:
                review_actions.update_review_action(
                    session, name, action_id, update, actor=admin.email or ""
                )
        except (InvalidData, Conflict) as refused:
            entered = {"action": str(action_id), "text": text, "owner": owner, "due": due}
            return page(request, name, admin, refused=refused, entered=entered)
        return see_other(f"{actions_url(request, name)}?done=saved#action-{action_id}")

    return router
