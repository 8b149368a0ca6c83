"""The programme reaction questionnaire, reached by a personal link: ``/r/<token>``.

One page of statements and a comment; a thank-you page after. The work is done by
:mod:`colead.development.reactions`. An unknown link gets the survey's "link does not work" page (a
404, counted by the unknown-token rate limit), before any posted field is looked at.

Like participant pages, the form carries an HMAC of the link's token hash under a key
derived from the secret key, so a page this site served for the link is the only place a
valid post can come from, and every worker checks it alike without storing anything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from colead.config import Settings
from colead.development import reactions
from colead.store import transaction
from colead.store.engine import writer_turn
from colead.store.reactions import ReactionRecord
from colead.store.waves import hash_token
from colead.web import render
from colead.web.admin.console import app_engine, see_other

PREFIX = "/r"
_CSRF_CONTEXT = b"colead.reaction.forms"
#: far above what one page of statements and a comment needs
_MAX_FIELDS = 50
_MAX_FIELD_BYTES = 64 * 1024


class ReactionForms:
    """Makes and checks the CSRF field of the questionnaire's form."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _CSRF_CONTEXT, hashlib.sha256).digest()

    def token_for(self, reaction_token: str) -> str:
        return hmac.new(self._key, hash_token(reaction_token).encode(), hashlib.sha256).hexdigest()

    def valid(self, reaction_token: str, given: str) -> bool:
        # bytes, not str: compare_digest refuses non-ASCII text with a TypeError
        expected = self.token_for(reaction_token).encode()
        return hmac.compare_digest(expected, given.encode("utf-8", "replace"))


async def _fields(request: Request) -> dict[str, list[str]]:
    """The posted text fields (no files), within limits a real form never reaches."""
    try:
        form = await request.form(
            max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_FIELD_BYTES
        )
    except HTTPException:
        raise
    except Exception:  # a body the form parser cannot read at all
        raise HTTPException(400) from None
    fields: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    return fields


def reaction_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    # ``create_app`` has already refused a production app without a real secret.
    forms = ReactionForms((settings.secret_key or "").strip() or secrets.token_urlsafe(48))

    def base(request: Request, token: str) -> str:
        return f"{request.scope.get('root_path', '')}{PREFIX}/{token}"

    def lookup(request: Request, token: str) -> ReactionRecord:
        with transaction(app_engine(request)) as session:
            return reactions.open_reaction(session, token)

    def form_page(
        request: Request,
        token: str,
        record: ReactionRecord,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        context.setdefault("entered", {})
        context.setdefault("problems", {})
        context.setdefault("refused", False)
        return render.page(
            "reaction/form.html.j2",
            status,
            record=record,
            items=reactions.ITEMS,
            scale=reactions.SCALE,
            comment_prompt=reactions.COMMENT_PROMPT,
            comment_max=reactions.COMMENT_MAX_CHARS,
            action=base(request, token),
            csrf=forms.token_for(token),
            **context,
        )

    def thanks_page(record: ReactionRecord, status: int = 200, again: bool = False) -> HTMLResponse:
        return render.page("reaction/thanks.html.j2", status, record=record, again=again)

    @router.get("/{token}", response_class=HTMLResponse)
    async def questionnaire(request: Request, token: str) -> HTMLResponse:
        record = await run_in_threadpool(lookup, request, token)
        if record.submitted_at is not None:
            return thanks_page(record)
        return form_page(request, token, record)

    @router.post("/{token}", response_model=None)
    async def submit(request: Request, token: str) -> Response:
        record = await run_in_threadpool(lookup, request, token)
        fields = await _fields(request)
        csrf = (fields.pop("csrf", None) or [""])[-1]
        comment_values = fields.pop("comment", None) or []
        if record.submitted_at is not None:
            return thanks_page(record, 409, again=True)
        # several values for one field cannot come from the page: refused like a bad value
        answers: dict[str, object] = {
            name: values[0] if len(values) == 1 else values for name, values in fields.items()
        }
        entered = {name: v for name, v in answers.items() if isinstance(v, str)}
        comment = comment_values[0] if len(comment_values) == 1 else None
        entered["comment"] = comment or ""
        if not forms.valid(token, csrf):
            return form_page(request, token, record, 403, entered=entered, refused=True)
        if len(comment_values) > 1:
            problem = reactions.ReactionInvalid({"comment": "sent more than once"})
            return form_page(
                request, token, record, 422, entered=entered, problems=problem.problems
            )

        def store() -> None:
            engine = app_engine(request)
            with writer_turn(engine), transaction(engine) as session:
                reactions.submit_reaction(
                    session, token, answers, comment, minimum=settings.anonymity_minimum
                )

        try:
            await run_in_threadpool(store)
        except reactions.ReactionAlreadySubmitted:
            return thanks_page(record, 409, again=True)
        except reactions.ReactionInvalid as invalid:
            return form_page(
                request, token, record, 422, entered=entered, problems=invalid.problems
            )
        return see_other(f"{base(request, token)}/thanks")

    @router.get("/{token}/thanks", response_model=None)
    async def thanks(request: Request, token: str) -> Response:
        record = await run_in_threadpool(lookup, request, token)
        if record.submitted_at is None:
            return see_other(base(request, token))
        return thanks_page(record)

    return router
