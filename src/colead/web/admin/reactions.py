"""The console's page of a programme's reaction questionnaire (Kirkpatrick level 1): who
was invited and answered, the results (shown from the anonymity minimum up), and buttons to
send the invitations and reminders.

The work is done by :mod:`colead.development.reactions` and :mod:`colead.development.reaction_mail`,
with the admin's e-mail as the actor in the audit log. A mail server that cannot be reached is a
MailUnavailable error, shown on the console's error page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from colead.development.reaction_mail import (
    ReactionMailRun,
    send_reaction_invitations,
    send_reaction_reminders,
)
from colead.development.reactions import reaction_status, reaction_summary
from colead.errors import InvalidData
from colead.mail.smtp import MailServer
from colead.store import transaction
from colead.web.admin.console import (
    PREFIX,
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    quote_part,
    see_other,
)

_PAGE = "/reviews/{name}/programmes/{programme}/reactions"
_NOTICE_KEYS = ("done", "sent", "refused", "skipped", "left_out")


def _notice(run: ReactionMailRun, done: str) -> str:
    left_out = run.answered + run.already_invited
    skipped = len(run.no_email) + len(run.bad_email)
    query = {
        "done": done,
        "sent": len(run.sent),
        "refused": len(run.refused),
        "skipped": skipped,
        "left_out": left_out,
    }
    return urlencode(query)


def reactions_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def page_url(request: Request, name: str, programme: str) -> str:
        review = console.review_url(request, name)
        return f"{review}/programmes/{quote_part(programme)}/reactions"

    @router.get(_PAGE, response_model=None)
    def reactions_page(request: Request, name: str, programme: str, admin: AdminPage) -> Response:
        minimum = console.settings.anonymity_minimum
        with transaction(app_engine(request)) as session:
            status = reaction_status(session, name, programme)
            report = reaction_summary(session, name, programme, minimum)
        notice = {key: request.query_params.get(key, "")[:20] for key in _NOTICE_KEYS}
        return console.page(
            request,
            "reactions.html.j2",
            admin,
            progress=status,
            report=report,
            summary=report.summary,
            minimum=minimum,
            notice=notice,
            review_url=console.review_url(request, name),
            page_url=page_url(request, status.review, status.programme),
        )

    @router.post(_PAGE + "/send", response_model=None)
    def send(
        request: Request,
        name: str,
        programme: str,
        admin: AdminForm,
        audience: Annotated[str, Form(max_length=20)] = "completed",
    ) -> Response:
        if audience not in ("completed", "all"):
            raise InvalidData(f"Unknown choice {audience!r}.", "Use the form on the page.")
        run = send_reaction_invitations(
            app_engine(request),
            name,
            programme,
            server=MailServer.from_settings(console.settings),
            base_url=console.settings.public_url,
            audience="all" if audience == "all" else "completed",
            actor=admin.email or "",
        )
        return see_other(f"{page_url(request, name, programme)}?{_notice(run, 'invitations')}")

    @router.post(_PAGE + "/remind", response_model=None)
    def remind(request: Request, name: str, programme: str, admin: AdminForm) -> Response:
        run = send_reaction_reminders(
            app_engine(request),
            name,
            programme,
            server=MailServer.from_settings(console.settings),
            base_url=console.settings.public_url,
            actor=admin.email or "",
        )
        return see_other(f"{page_url(request, name, programme)}?{_notice(run, 'reminders')}")

    return router
