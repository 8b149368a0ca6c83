"""Invitations and reminders by e-mail: one message per rater of a wave, fresh links in it.

Used by ``colead invitations send|remind``, by the console's mail page and by scheduled
reminders (:mod:`colead.fieldwork.reminders`). Every letter the server accepts or refuses leaves a
``mail_event`` (with the Message-ID it carried, so a later bounce can be matched to it)
and the run leaves one audit entry. Reminders skip addresses that bounced until the
person's e-mail changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from colead.domain import WaveStatus
from colead.errors import Conflict
from colead.fieldwork.invitations import closed_wave_error, survey_url
from colead.mail.smtp import (
    Delivery,
    Kind,
    Letter,
    MailServer,
    MailTemplates,
    build_message,
    send_letters,
)
from colead.mail.wording import Wording
from colead.store import open_database, transaction
from colead.store.invitations import InvitationTarget, invitation_targets, replace_token_hashes
from colead.store.mail import (
    NewMailEvent,
    bounced_addresses,
    invited_assignment_ids,
    record_mail_events,
    review_wordings,
)
from colead.store.reviews import audit, get_review
from colead.store.schema import utcnow
from colead.store.waves import get_wave, hash_token, new_token


@dataclass(frozen=True)
class MailOutcome:
    """What happened to the message of one rater."""

    rater_name: str
    email: str
    forms: int
    #: ``sent``, ``refused`` (by the server) or ``planned`` (dry run)
    status: str
    error: str | None = None


@dataclass(frozen=True)
class MailRun:
    """The result of sending the invitations or reminders of one wave."""

    review: str
    wave: str
    kind: Kind
    dry_run: bool
    outcomes: tuple[MailOutcome, ...]
    #: raters left out because they have no e-mail address
    no_email: tuple[str, ...]
    #: raters left out because their e-mail address is not usable: (name, reason)
    bad_email: tuple[tuple[str, str], ...]
    #: submitted forms left out
    submitted: int
    #: raters left out of reminders because their address bounced: (name, e-mail)
    bounced: tuple[tuple[str, str], ...] = ()
    #: forms left out because their rater was already e-mailed a link (only_uninvited)
    already_invited: int = 0

    @property
    def sent(self) -> tuple[MailOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "sent")

    @property
    def refused(self) -> tuple[MailOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "refused")

    def summary(self) -> dict[str, Any]:
        """Counts for an audit entry or a scheduled reminder's outcome (no tokens)."""
        return {
            "messages": len(self.outcomes),
            "sent": len(self.sent),
            "refused": len(self.refused),
            "forms": sum(o.forms for o in self.sent),
            "skipped_no_email": len(self.no_email),
            "skipped_bad_email": len(self.bad_email),
            "skipped_bounced": len(self.bounced),
            "skipped_submitted": self.submitted,
            "skipped_invited": self.already_invited,
        }


@dataclass(frozen=True)
class _Rater:
    person_id: int
    name: str
    email: str
    targets: tuple[InvitationTarget, ...]


def mail_invitations(
    database_url: str,
    *,
    review: str,
    server: MailServer,
    base_url: str,
    kind: Kind = "invitation",
    wave: str | None = None,
    only_pending: bool = False,
    templates: Path | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> MailRun:
    """:func:`send_wave_mail` on the database at ``database_url``."""
    engine = open_database(database_url)
    try:
        return send_wave_mail(
            engine,
            review=review,
            server=server,
            base_url=base_url,
            kind=kind,
            wave=wave,
            only_pending=only_pending,
            templates=templates,
            dry_run=dry_run,
            actor=actor,
        )
    finally:
        engine.dispose()


def send_wave_mail(
    engine: Engine,
    *,
    review: str,
    server: MailServer,
    base_url: str,
    kind: Kind = "invitation",
    wave: str | None = None,
    only_pending: bool = False,
    only_uninvited: bool = False,
    templates: Path | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> MailRun:
    """E-mail each rater of an open wave one message with a fresh link per form.

    ``only_uninvited`` leaves out submitted forms and forms whose rater was already
    e-mailed a link for them (e.g. to invite raters added after the first invitations).

    A reminder goes only to forms not yet submitted, and not to addresses that bounced.
    Every message is built before the server is contacted, so a template error or an
    unreachable server changes nothing. The new token hashes are stored only for the
    messages the server accepted: a refused rater keeps the links they had. The wording
    is the review's own when it has one, else the ``templates`` folder's, else the
    packaged one. ``dry_run`` builds the messages and neither sends nor stores anything.
    """
    pending = only_pending or only_uninvited or kind == "reminder"
    with transaction(engine) as session:
        review_row = get_review(session, review)
        wave_row = get_wave(session, review_row, wave)
        _check_open(review_row.name, wave_row.name, WaveStatus(wave_row.status), kind)
        targets = invitation_targets(session, wave_row.id)
        review_name, wave_name = review_row.name, wave_row.name
        review_id, wave_id = review_row.id, wave_row.id
        own = review_wordings(session, review_id)
        bounced = (
            {b.person_id for b in bounced_addresses(session, review_id)}
            if kind == "reminder"
            else set()
        )
        invited = invited_assignment_ids(session, wave_id) if only_uninvited else set()
    overrides = {
        k: Wording(w.subject, w.body_text, w.body_html, f"the review's {k} wording")
        for k, w in own.items()
    }
    chosen_templates = MailTemplates(templates, overrides)
    unsubmitted = [t for t in targets if not (pending and t.completed)]
    chosen = [t for t in unsubmitted if t.assignment_id not in invited]
    raters, no_email = _raters(chosen)
    skipped_bounced = [(r.name, r.email) for r in raters if r.person_id in bounced]
    raters = [r for r in raters if r.person_id not in bounced]
    tokens = {t.assignment_id: new_token() for r in raters for t in r.targets}
    letters: list[Letter] = []
    bad_email: list[tuple[str, str]] = []
    by_key: dict[str, _Rater] = {}
    for number, rater in enumerate(raters):
        context = _context(rater, review_name, wave_name, base_url, tokens)
        subject, text, html = chosen_templates.render(kind, context)
        try:
            message = build_message(
                server,
                recipient=rater.email,
                recipient_name=rater.name,
                subject=subject,
                text=text,
                html=html,
            )
        except ValueError as exc:
            bad_email.append((rater.name, str(exc)))
            continue
        key = str(number)
        by_key[key] = rater
        letters.append(Letter(key, rater.email, message))
    run = MailRun(
        review=review_name,
        wave=wave_name,
        kind=kind,
        dry_run=dry_run,
        outcomes=(),
        no_email=tuple(no_email),
        bad_email=tuple(bad_email),
        submitted=len(targets) - len(unsubmitted),
        bounced=tuple(skipped_bounced),
        already_invited=len(unsubmitted) - len(chosen),
    )
    if dry_run:
        planned = [_outcome(by_key[letter.key], "planned", None) for letter in letters]
        return replace(run, outcomes=tuple(planned))
    deliveries = send_letters(server, letters)
    run = replace(
        run, outcomes=tuple(_outcome(by_key[d.key], d.status, d.error) for d in deliveries)
    )
    delivered = _delivered(deliveries, by_key)
    events = [
        NewMailEvent(
            review_id=review_id,
            wave_id=wave_id,
            person_id=by_key[d.key].person_id,
            email=d.recipient,
            kind=kind,
            status=d.status,
            detail=d.error,
            message_id=d.message_id,
        )
        for d in deliveries
    ]
    with transaction(engine) as session:
        replace_token_hashes(session, {a: hash_token(tokens[a]) for a in delivered})
        record_mail_events(session, events, utcnow())
        audit(
            session,
            actor,
            "send_invitations" if kind == "invitation" else "send_reminders",
            "wave",
            wave_id,
            review_id=review_id,
            name=wave_name,
            only_pending=pending,
            **run.summary(),
            outcomes=[_audited(o) for o in run.outcomes],
        )
    return run


def _check_open(review: str, wave: str, status: WaveStatus, kind: Kind) -> None:
    if status is WaveStatus.closed:
        raise closed_wave_error(review, wave)
    if status is WaveStatus.draft:
        raise Conflict(
            f"Wave {wave!r} of review {review!r} is still a draft: {kind}s are e-mailed only "
            "for an open wave.",
            f"Open it first with `colead wave open --review {review!r} --wave {wave!r}`, "
            "or hand out links yourself with `colead invitations export`.",
        )


def _raters(targets: Sequence[InvitationTarget]) -> tuple[list[_Rater], list[str]]:
    grouped: dict[int, list[InvitationTarget]] = {}
    for target in targets:
        grouped.setdefault(target.rater_id, []).append(target)
    raters: list[_Rater] = []
    no_email: list[str] = []
    for forms in grouped.values():
        first = forms[0]
        email = (first.rater_email or "").strip()
        if not email:
            no_email.append(first.rater_name)
            continue
        raters.append(_Rater(first.rater_id, first.rater_name, email, tuple(forms)))
    return raters, no_email


def _context(
    rater: _Rater, review: str, wave: str, base_url: str, tokens: dict[int, str]
) -> dict[str, Any]:
    return {
        "rater_name": rater.name,
        "review": review,
        "wave": wave,
        "forms": [
            {
                "ratee_name": t.ratee_name,
                "relation": t.relation.replace("_", " "),
                "url": survey_url(base_url, tokens[t.assignment_id]),
            }
            for t in rater.targets
        ],
    }


def _outcome(rater: _Rater, status: str, error: str | None) -> MailOutcome:
    return MailOutcome(rater.name, rater.email, len(rater.targets), status, error)


def _audited(outcome: MailOutcome) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rater": outcome.rater_name,
        "email": outcome.email,
        "forms": outcome.forms,
        "status": outcome.status,
    }
    if outcome.error:
        entry["error"] = outcome.error
    return entry


def _delivered(deliveries: Sequence[Delivery], by_key: dict[str, _Rater]) -> list[int]:
    return [t.assignment_id for d in deliveries if d.sent for t in by_key[d.key].targets]
