"""A participant's development plans, reached through their own link (``/p/TOKEN/plan``).

The person sees their plans and sets the status of each action, with a short progress
note per plan; a line manager sees their direct reports' plans on their own link and can
update them too. The changes go through :mod:`colead.development.plan_views`, which checks that the
plan is the person's own or a direct report's and names the person or the manager in the
audit log. Forms carry the same CSRF field as the participant's other pages
(:class:`colead.web.participant.pages.ParticipantForms`); an unknown link gets the survey's 404
page before any form field is looked at.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from colead.config import Settings
from colead.development import plan_views, plans
from colead.errors import ColeadError, Conflict, InvalidData, NotFound
from colead.fieldwork import participants
from colead.store import transaction
from colead.store.participants import ParticipantRecord
from colead.web import render
from colead.web.admin.console import app_engine, see_other
from colead.web.admin.plans import ACTION_LABELS, PLAN_LABELS, record_id
from colead.web.participant.pages import PREFIX, ParticipantForms

#: what a person may set an action to from their page (the admin can also drop one)
PERSON_STATUSES = ("open", "in_progress", "done")
_DONE = {"status": "The action was updated.", "note": "The progress note was saved."}
_USER_ERRORS = (InvalidData, Conflict, NotFound)


def _status_of(error: ColeadError) -> int:
    if isinstance(error, NotFound):
        return 404
    return 422 if isinstance(error, InvalidData) else 409


def participant_plans_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    forms = ParticipantForms((settings.secret_key or "").strip() or secrets.token_urlsafe(48))

    def base(request: Request, token: str) -> str:
        return f"{request.scope.get('root_path', '')}{PREFIX}/{token}"

    def lookup(request: Request, token: str) -> ParticipantRecord:
        with transaction(app_engine(request)) as session:
            return participants.participant_of(session, token)

    def show(
        request: Request,
        token: str,
        *,
        done: str = "",
        error: ColeadError | None = None,
        entered: dict[str, str] | None = None,
    ) -> HTMLResponse:
        today = datetime.now(UTC).date()
        with transaction(app_engine(request)) as session:
            who = participants.participant_of(session, token)
            shown = plan_views.participant_plans(session, who.review_id, who.person_id, today)
        return render.page(
            "participant/plan.html.j2",
            _status_of(error) if error is not None else 200,
            p=who,
            plans=shown,
            base=base(request, token),
            csrf=forms.token_for(token),
            today=today,
            overdue=plan_views.is_overdue,
            statuses=PERSON_STATUSES,
            steps=plans.ACTION_STEPS,
            action_labels=ACTION_LABELS,
            plan_labels=PLAN_LABELS,
            max_note=plan_views.MAX_NOTE,
            done=_DONE.get(done, ""),
            error=error,
            entered=entered or {},
        )

    def refused(request: Request, token: str) -> HTMLResponse:
        return render.page(
            "participant/refused.html.j2", 403, base=base(request, token), title="Form refused"
        )

    @router.get("/{token}/plan", response_class=HTMLResponse)
    def plan_page(request: Request, token: str, done: str = "") -> HTMLResponse:
        return show(request, token, done=done)

    @router.post("/{token}/plan/actions/{action}", response_model=None)
    def action_status(
        request: Request,
        token: str,
        action: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        status: Annotated[str, Form(max_length=20)] = "",
    ) -> Response:
        who = lookup(request, token)
        if not forms.valid(token, csrf):
            return refused(request, token)
        try:
            if status not in PERSON_STATUSES:
                raise InvalidData(
                    "Choose open, in progress or done.", "Ask the organisers to drop an action."
                )
            with transaction(app_engine(request)) as session:
                plan_views.participant_action_status(
                    session, who.person_id, record_id(action, "action"), status
                )
        except _USER_ERRORS as error:
            return show(request, token, error=error)
        return see_other(f"{base(request, token)}/plan?done=status")

    @router.post("/{token}/plan/{plan}/note", response_model=None)
    def note(
        request: Request,
        token: str,
        plan: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        text: Annotated[str, Form(max_length=plan_views.MAX_NOTE + 1000)] = "",
    ) -> Response:
        who = lookup(request, token)
        if not forms.valid(token, csrf):
            return refused(request, token)
        try:
            with transaction(app_engine(request)) as session:
                plan_views.participant_note(session, who.person_id, record_id(plan, "plan"), text)
        except _USER_ERRORS as error:
            return show(request, token, error=error, entered={"plan": plan, "note": text})
        return see_other(f"{base(request, token)}/plan?done=note")

    return router
