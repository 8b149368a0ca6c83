"""The console's mail: invitations, reminders and their schedule, templates, bounces.

The work is done by :mod:`colead.fieldwork.wave_mail`, :mod:`colead.fieldwork.reminders`,
:mod:`colead.mail.bounces` and :mod:`colead.mail.review_wording` with the admin's e-mail as the
actor in the audit log. A mail server that cannot be reached is a MailUnavailable error,
shown on the console's error page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from colead.development.plan_reminders import KIND as OVERDUE_ACTIONS_LETTER
from colead.development.reaction_mail import INVITATION as REACTION_INVITATION
from colead.development.reaction_mail import REMINDER as REACTION_REMINDER
from colead.errors import InvalidData, NotFound
from colead.fieldwork.participant_links import KIND as PARTICIPANT_LETTER
from colead.fieldwork.reminders import (
    cancel_reminder,
    parse_due_time,
    reminder_result,
    reminder_state,
    schedule_reminders,
)
from colead.fieldwork.wave_mail import send_wave_mail
from colead.ingest.uploads import review_folder
from colead.mail.bounces import FIX, BounceReport, import_bounces
from colead.mail.overview import mail_overview
from colead.mail.review_wording import (
    KindWording,
    reset_review_wording,
    save_review_wording,
    wording_of,
)
from colead.mail.smtp import MailServer
from colead.mail.wording import LETTER_KINDS, Wording
from colead.store import transaction
from colead.store.schema import utcnow
from colead.web.admin.console import (
    PREFIX,
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    quote_part,
    see_other,
)
from colead.web.admin.reviews import store_upload
from colead.web.admin.sessions import AdminSession

#: the letters whose wording the console edits
# Every letter colead sends can be reworded per review; importing the modules that send
# the letters also registers their kinds.
EDITABLE_KINDS = (
    "invitation",
    "reminder",
    PARTICIPANT_LETTER,
    OVERDUE_ACTIONS_LETTER,
    REACTION_INVITATION,
    REACTION_REMINDER,
)
_MAX_TEMPLATE = 60_000


def mail_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def wave_url(request: Request, name: str, wave: str) -> str:
        return f"{console.review_url(request, name)}/waves/{quote_part(wave)}/mail"

    # --- the wave's mail page ------------------------------------------------------------

    def mail_page(
        request: Request,
        admin: AdminSession,
        name: str,
        wave: str,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        with transaction(app_engine(request)) as session:
            overview = mail_overview(session, name, wave)
        notice = {key: request.query_params.get(key, "") for key in _NOTICE_KEYS}
        context.setdefault("bounce_report", None)
        return console.page(
            request,
            "mail.html.j2",
            admin,
            status,
            name=name,
            overview=overview,
            notice=notice,
            state=reminder_state,
            result=reminder_result,
            fix=FIX,
            review_url=console.review_url(request, name),
            mail_url=wave_url(request, name, wave),
            **context,
        )

    @router.get("/reviews/{name}/waves/{wave}/mail", response_model=None)
    def wave_mail(request: Request, name: str, wave: str, admin: AdminPage) -> Response:
        return mail_page(request, admin, name, wave)

    @router.post("/reviews/{name}/waves/{wave}/mail/send", response_model=None)
    def send(
        request: Request,
        name: str,
        wave: str,
        admin: AdminForm,
        kind: Annotated[str, Form(max_length=20)] = "",
        to: Annotated[str, Form(max_length=20)] = "new",
    ) -> Response:
        if kind not in ("invitation", "reminder"):
            raise InvalidData(f"Unknown letter {kind!r}.", "Use the buttons on the mail page.")
        run = send_wave_mail(
            app_engine(request),
            review=name,
            wave=wave,
            server=MailServer.from_settings(console.settings),
            base_url=console.settings.public_url,
            kind="invitation" if kind == "invitation" else "reminder",
            only_uninvited=kind == "invitation" and to != "all",
            actor=admin.email or "",
        )
        query = {
            "done": kind,
            "sent": len(run.sent),
            "refused": len(run.refused),
            "skipped": len(run.no_email) + len(run.bad_email) + len(run.bounced),
            "invited": run.already_invited,
        }
        return see_other(f"{wave_url(request, name, wave)}?{urlencode(query)}")

    @router.post("/reviews/{name}/waves/{wave}/mail/schedule", response_model=None)
    def schedule(
        request: Request,
        name: str,
        wave: str,
        admin: AdminForm,
        due_at: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        moment = parse_due_time(due_at)
        with transaction(app_engine(request)) as session:
            schedule_reminders(session, name, wave, [moment], now=utcnow(), actor=admin.email or "")
        return see_other(f"{wave_url(request, name, wave)}?done=scheduled")

    @router.post("/reviews/{name}/waves/{wave}/mail/reminders/{ident}/cancel", response_model=None)
    def cancel(request: Request, name: str, wave: str, ident: int, admin: AdminForm) -> Response:
        with transaction(app_engine(request)) as session:
            row = cancel_reminder(session, ident, actor=admin.email or "", review_name=name)
        return see_other(f"{wave_url(request, name, row.wave)}?done=cancelled")

    @router.post("/reviews/{name}/waves/{wave}/mail/bounces", response_model=None)
    def bounces(
        request: Request,
        name: str,
        wave: str,
        admin: AdminForm,
        file: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        with transaction(app_engine(request)) as session:
            mail_overview(session, name, wave)  # the review and wave exist
        if file is None or not file.filename:
            raise InvalidData("No file was chosen.", "Choose an mbox or .eml file to upload.")
        stored: Path = store_upload(review_folder(console.data_dir, name) / "bounces", file)
        report: BounceReport = import_bounces(
            app_engine(request), stored, actor=admin.email or "", review=name
        )
        return mail_page(request, admin, name, wave, bounce_report=report)

    # --- templates -----------------------------------------------------------------------

    def templates_page(
        request: Request,
        admin: AdminSession,
        name: str,
        status: int = 200,
        drafts: dict[str, Wording] | None = None,
        errors: dict[str, str] | None = None,
    ) -> HTMLResponse:
        with transaction(app_engine(request)) as session:
            current = {kind: wording_of(session, name, kind) for kind in EDITABLE_KINDS}
        previews = {kind: _preview(wording) for kind, wording in current.items()}
        return console.page(
            request,
            "templates.html.j2",
            admin,
            status,
            name=name,
            kinds=EDITABLE_KINDS,
            current=current,
            previews=previews,
            drafts=drafts or {},
            errors=errors or {},
            saved=request.query_params.get("done", ""),
            review_url=console.review_url(request, name),
        )

    @router.get("/reviews/{name}/templates", response_model=None)
    def templates(request: Request, name: str, admin: AdminPage) -> Response:
        return templates_page(request, admin, name)

    @router.post("/reviews/{name}/templates/{kind}", response_model=None)
    def save_template(
        request: Request,
        name: str,
        kind: str,
        admin: AdminForm,
        subject: Annotated[str, Form(max_length=1000)] = "",
        body_text: Annotated[str, Form(max_length=_MAX_TEMPLATE)] = "",
        body_html: Annotated[str, Form(max_length=_MAX_TEMPLATE)] = "",
    ) -> Response:
        _editable(kind)
        draft = Wording(subject, body_text, body_html or None)
        try:
            with transaction(app_engine(request)) as session:
                save_review_wording(session, name, kind, draft, actor=admin.email or "")
        except InvalidData as problem:
            message = f"{problem.message} {problem.hint or ''}".strip()
            return templates_page(request, admin, name, 422, {kind: draft}, {kind: message})
        return see_other(f"{console.review_url(request, name)}/templates?done={kind}")

    @router.post("/reviews/{name}/templates/{kind}/reset", response_model=None)
    def reset_template(request: Request, name: str, kind: str, admin: AdminForm) -> Response:
        _editable(kind)
        with transaction(app_engine(request)) as session:
            reset_review_wording(session, name, kind, actor=admin.email or "")
        return see_other(f"{console.review_url(request, name)}/templates?done={kind}-reset")

    return router


_NOTICE_KEYS = ("done", "sent", "refused", "skipped", "invited")


def _editable(kind: str) -> None:
    if kind not in EDITABLE_KINDS or kind not in LETTER_KINDS:
        raise NotFound(
            f"There is no editable letter {kind!r}.", f"Choose one of {', '.join(EDITABLE_KINDS)}."
        )


def _preview(current: KindWording) -> dict[str, str]:
    """The letter with sample data, or the reason it cannot be rendered."""
    try:
        rendered = current.preview()
    except InvalidData as problem:
        return {"subject": "", "text": "", "error": problem.message}
    return {"subject": rendered.subject, "text": rendered.text, "error": ""}
