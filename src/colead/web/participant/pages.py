"""A participant's own pages, reached by their link: nominate raters, follow progress,
read their report once the wave has closed.

Participants have no login, so their forms cannot use the console's session CSRF token.
Each form carries instead an HMAC of the link's token hash under a key derived from the
secret key (``COLEAD_SECRET_KEY``; random per process in development when unset). A page
this site served for the link holds it; another site cannot compute it without the
secret, and nothing is stored for it, so every worker checks it alike. (The link's token
in the address is itself a secret a forging site would need; the field makes the check
explicit and keeps a form from working on any link but its own.)

An unknown link gets the same 404 page as an unknown survey link, before any form field
is looked at, so links cannot be probed through these pages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from colead.config import Settings
from colead.errors import ColeadError, Conflict, InvalidData, NotFound, WaveClosed
from colead.fieldwork import nominations, participants
from colead.store import transaction
from colead.store.engine import snapshot
from colead.store.participants import ParticipantRecord, PersonMatch
from colead.web import render
from colead.web.admin.console import app_engine, see_other

PREFIX = "/p"
_CSRF_CONTEXT = b"colead.participant.forms"

#: how each relation is offered in the nomination forms
RELATION_CHOICES = (
    ("peer", "Peer"),
    ("direct_report", "Direct report"),
    ("manager", "Line manager"),
    ("partner", "Someone in the partner organisation"),
    ("other", "Other colleague"),
)
#: what a participant can get wrong: shown on their page rather than as an error page
_USER_ERRORS = (InvalidData, Conflict, WaveClosed, NotFound)


class ParticipantForms:
    """Makes and checks the CSRF field of participant forms."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _CSRF_CONTEXT, hashlib.sha256).digest()

    def token_for(self, participant_token: str) -> str:
        digest = participants.token_hash_of(participant_token)
        return hmac.new(self._key, digest.encode(), hashlib.sha256).hexdigest()

    def valid(self, participant_token: str, given: str) -> bool:
        # bytes, not str: compare_digest refuses non-ASCII text with a TypeError
        expected = self.token_for(participant_token).encode()
        return hmac.compare_digest(expected, given.encode("utf-8", "replace"))


def _status_of(error: ColeadError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, WaveClosed):
        return 410
    if isinstance(error, InvalidData):
        return 422
    return 409


def participant_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    # ``create_app`` has already refused a production app without a real secret (and
    # warned about a missing one in development), so a missing key only means development.
    forms = ParticipantForms((settings.secret_key or "").strip() or secrets.token_urlsafe(48))
    minimum = settings.anonymity_minimum

    def base(request: Request, token: str) -> str:
        return f"{request.scope.get('root_path', '')}{PREFIX}/{token}"

    def lookup(request: Request, token: str) -> ParticipantRecord:
        with transaction(app_engine(request)) as session:
            return participants.participant_of(session, token)

    def show(
        request: Request,
        token: str,
        *,
        query: str = "",
        error: ColeadError | None = None,
        entered: dict[str, str] | None = None,
        done: str = "",
    ) -> HTMLResponse:
        wanted = " ".join(query.split())
        with transaction(app_engine(request)) as session:
            page = participants.participant_page(session, token, minimum)
            matches: list[PersonMatch] = (
                participants.find_people(session, token, wanted) if wanted else []
            )
        return render.page(
            "participant/home.html.j2",
            _status_of(error) if error is not None else 200,
            page=page,
            p=page.participant,
            base=base(request, token),
            csrf=forms.token_for(token),
            query=wanted,
            too_short=0 < len(wanted) < participants.SEARCH_MIN_CHARS,
            matches=matches,
            search_limit=participants.SEARCH_LIMIT,
            relations=RELATION_CHOICES,
            relation_names=participants.RELATION_NAMES,
            error=error,
            entered=entered or {},
            done=done,
        )

    def refused(request: Request, token: str) -> HTMLResponse:
        return render.page(
            "participant/refused.html.j2", 403, base=base(request, token), title="Form refused"
        )

    @router.get("/{token}", response_class=HTMLResponse)
    def home(request: Request, token: str, q: str = "", done: str = "") -> HTMLResponse:
        return show(request, token, query=q[:200], done=done if done in _DONE else "")

    @router.post("/{token}/nominate", response_model=None)
    def nominate(
        request: Request,
        token: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        relation: Annotated[str, Form(max_length=40)] = "",
        rater: Annotated[str, Form(max_length=20)] = "",
        name: Annotated[str, Form(max_length=400)] = "",
        email: Annotated[str, Form(max_length=400)] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
        q: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        participant = lookup(request, token)
        if not forms.valid(token, csrf):
            return refused(request, token)
        entered = {"relation": relation, "name": name, "email": email, "note": note}
        try:
            rater_id = _person_id(rater) if rater else None
            with transaction(app_engine(request)) as session:
                nominations.nominate(
                    session,
                    participant,
                    relation=relation,
                    rater_id=rater_id,
                    name=None if rater_id is not None else name,
                    email=None if rater_id is not None else email,
                    note=note,
                )
        except _USER_ERRORS as error:
            return show(request, token, query=q, error=error, entered=entered)
        return see_other(f"{base(request, token)}?done=nominated#nominations")

    @router.post("/{token}/nominations/{nomination_id}/withdraw", response_model=None)
    def withdraw(
        request: Request,
        token: str,
        nomination_id: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        participant = lookup(request, token)
        if not forms.valid(token, csrf):
            return refused(request, token)
        try:
            with transaction(app_engine(request)) as session:
                nominations.withdraw(session, participant, _person_id(nomination_id))
        except _USER_ERRORS as error:
            return show(request, token, error=error)
        return see_other(f"{base(request, token)}?done=withdrawn#nominations")

    @router.post("/{token}/self", response_model=None)
    def rate_yourself(
        request: Request, token: str, csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        lookup(request, token)
        if not forms.valid(token, csrf):
            return refused(request, token)
        try:
            with transaction(app_engine(request)) as session:
                survey_token = participants.rate_yourself(session, token)
        except _USER_ERRORS as error:
            return show(request, token, error=error)
        root = request.scope.get("root_path", "")
        return RedirectResponse(
            f"{root}/s/{survey_token}", status_code=303, headers=render.SECURITY_HEADERS
        )

    def report_state(request: Request, token: str) -> tuple[str, str, ParticipantRecord]:
        # one snapshot: the report reads several tables, and an import may commit meanwhile
        with snapshot(app_engine(request)) as session:
            state, html = participants.report_html(session, token, minimum)
            return state, html, participants.participant_of(session, token)

    def not_ready(
        request: Request, token: str, state: str, who: ParticipantRecord, status: int
    ) -> HTMLResponse:
        return render.page(
            "participant/report.html.j2",
            status,
            state=state,
            p=who,
            minimum=minimum,
            base=base(request, token),
        )

    @router.get("/{token}/report", response_model=None)
    async def report(request: Request, token: str) -> Response:
        state, html, who = await run_in_threadpool(report_state, request, token)
        if state != "ready":
            return not_ready(request, token, state, who, 200)
        return HTMLResponse(html, headers=render.SECURITY_HEADERS)

    @router.get("/{token}/report.pdf", response_model=None)
    async def report_pdf(request: Request, token: str) -> Response:
        state, html, who = await run_in_threadpool(report_state, request, token)
        if state != "ready":
            return not_ready(request, token, state, who, 409)
        from colead.reports.pdf import render_pdf

        data, _pages = await run_in_threadpool(render_pdf, html)
        headers = {
            **render.SECURITY_HEADERS,
            "Content-Disposition": 'attachment; filename="360-report.pdf"',
        }
        return Response(data, media_type="application/pdf", headers=headers)

    return router


_DONE = frozenset({"nominated", "withdrawn"})


def _person_id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise NotFound("That choice is not on offer.", "Reload the page and try again.")
    return int(text)
