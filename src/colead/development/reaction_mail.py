"""Reaction questionnaire letters: the invitation after a programme and the reminder.

Two kinds of letter, ``reaction`` and ``reaction_reminder``, with packaged wording in
``colead/mail/templates`` that a review may replace with its own (like every letter). Each
message carries a fresh personal link; the new link is stored only for the messages the
server accepted, so a refused person keeps their earlier link. Every letter leaves a mail
event (with its Message-ID, for bounces) and each run one audit entry, never a token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import Engine

from colead.development.reactions import Audience, in_audience, programme_of, reaction_url
from colead.mail.smtp import Letter, MailServer, MailTemplates, build_message, send_letters
from colead.mail.wording import LETTER_KINDS, LetterKind, Wording, register_letter_kind
from colead.store import transaction
from colead.store.mail import NewMailEvent, record_mail_events, review_wordings
from colead.store.reactions import ReactionTarget, reaction_targets, set_reaction_links
from colead.store.reviews import audit
from colead.store.schema import utcnow
from colead.store.waves import hash_token, new_token

LetterName = Literal["reaction", "reaction_reminder"]
INVITATION: Final = "reaction"
REMINDER: Final = "reaction_reminder"

_VARIABLES = {
    "participant_name": "the participant's name",
    "review": "the review's name",
    "programme": "the programme's name",
    "url": "the participant's personal questionnaire",
}
_SAMPLE = {
    "participant_name": "Ben Client",
    "review": "Client Co – Supplier Ltd",
    "programme": "Leading together",
    "url": "https://survey.example/r/SAMPLE",
}
for _kind, _subject in (
    (INVITATION, "How was {{ programme }}? Two minutes of feedback"),
    (REMINDER, "Reminder: how was {{ programme }}?"),
):
    if _kind not in LETTER_KINDS:
        register_letter_kind(LetterKind(_kind, _VARIABLES, _SAMPLE, _subject))


@dataclass(frozen=True)
class ReactionMailOutcome:
    person_id: str
    name: str
    email: str
    #: ``sent``, ``refused`` (by the server) or ``planned`` (dry run)
    status: str
    error: str | None = None


@dataclass(frozen=True)
class ReactionMailRun:
    review: str
    programme: str
    kind: LetterName
    dry_run: bool
    outcomes: tuple[ReactionMailOutcome, ...]
    #: person ids of those chosen but without an e-mail address, or with an unusable one
    no_email: tuple[str, ...]
    bad_email: tuple[tuple[str, str], ...]
    #: enrolled people left out: already answered, or (invitations) already invited
    answered: int
    already_invited: int

    @property
    def sent(self) -> tuple[ReactionMailOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "sent")

    @property
    def refused(self) -> tuple[ReactionMailOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "refused")


def send_reaction_invitations(
    engine: Engine,
    review: str,
    programme: str,
    *,
    server: MailServer,
    base_url: str,
    audience: Audience = "completed",
    templates: Path | None = None,
    dry_run: bool = False,
    actor: str,
) -> ReactionMailRun:
    """E-mail the questionnaire to enrolled people (who completed, or ``all``) who have
    neither answered nor been invited yet."""

    def considered(target: ReactionTarget) -> bool:
        return in_audience(target, audience)

    return _send(
        engine, review, programme, INVITATION, considered, server, base_url, templates, dry_run,
        actor,
    )  # fmt: skip


def send_reaction_reminders(
    engine: Engine,
    review: str,
    programme: str,
    *,
    server: MailServer,
    base_url: str,
    templates: Path | None = None,
    dry_run: bool = False,
    actor: str,
) -> ReactionMailRun:
    """E-mail a reminder with a new link to everyone invited who has not answered; the
    link sent before stops working."""

    def considered(target: ReactionTarget) -> bool:
        return target.invited_at is not None

    return _send(
        engine, review, programme, REMINDER, considered, server, base_url, templates, dry_run,
        actor,
    )  # fmt: skip


def _send(
    engine: Engine,
    review: str,
    programme: str,
    kind: LetterName,
    considered: Callable[[ReactionTarget], bool],
    server: MailServer,
    base_url: str,
    templates: Path | None,
    dry_run: bool,
    actor: str,
) -> ReactionMailRun:
    with transaction(engine) as session:
        review_row, programme_row = programme_of(session, review, programme)
        targets = reaction_targets(session, programme_row.id)
        own = review_wordings(session, review_row.id)
        review_id, programme_id = review_row.id, programme_row.id
        names = (review_row.name, programme_row.name)
    overrides = {
        k: Wording(w.subject, w.body_text, w.body_html, f"the review's {k} wording")
        for k, w in own.items()
    }
    wording = MailTemplates(templates, overrides)
    # Of those considered, nobody who answered gets a letter, and an invitation goes only
    # to those not invited before (reminders are for them).
    pool = [t for t in targets if considered(t)]
    answered = sum(t.submitted_at is not None for t in pool)
    already = sum(t.submitted_at is None and t.invited_at is not None for t in pool)
    picked = [
        t for t in pool if t.submitted_at is None and (kind == REMINDER or t.invited_at is None)
    ]
    no_email = tuple(t.external_id for t in picked if not (t.email or "").strip())
    tokens = {t.enrolment_id: new_token() for t in picked if (t.email or "").strip()}
    letters: list[Letter] = []
    bad_email: list[tuple[str, str]] = []
    by_key: dict[str, ReactionTarget] = {}
    for target in picked:
        if target.enrolment_id not in tokens:
            continue
        address = (target.email or "").strip()
        context = _context(target, *names, reaction_url(base_url, tokens[target.enrolment_id]))
        subject, text, html = wording.render(kind, context)
        try:
            message = build_message(
                server,
                recipient=address,
                recipient_name=target.name,
                subject=subject,
                text=text,
                html=html,
            )
        except ValueError as exc:
            bad_email.append((target.external_id, str(exc)))
            continue
        by_key[str(target.enrolment_id)] = target
        letters.append(Letter(str(target.enrolment_id), address, message))
    run = ReactionMailRun(
        *names,
        kind,
        dry_run,
        (),
        no_email,
        tuple(bad_email),
        answered,
        already if kind == INVITATION else 0,
    )
    if dry_run:
        planned = tuple(_outcome(by_key[x.key], x.recipient, "planned") for x in letters)
        return replace(run, outcomes=planned)
    deliveries = send_letters(server, letters) if letters else []
    outcomes = tuple(_outcome(by_key[d.key], d.recipient, d.status, d.error) for d in deliveries)
    now = utcnow()
    with transaction(engine) as session:
        delivered = [by_key[d.key] for d in deliveries if d.sent]
        set_reaction_links(
            session,
            {t.enrolment_id: hash_token(tokens[t.enrolment_id]) for t in delivered},
            now if kind == INVITATION else None,
        )
        record_mail_events(
            session,
            [
                NewMailEvent(
                    review_id=review_id,
                    wave_id=None,
                    person_id=by_key[d.key].person_id,
                    email=d.recipient,
                    kind=kind,
                    status=d.status,
                    detail=d.error,
                    message_id=d.message_id,
                )
                for d in deliveries
            ],
            now,
        )
        audit(
            session,
            actor,
            "send_reaction_invitations" if kind == INVITATION else "send_reaction_reminders",
            "programme",
            programme_id,
            review_id=review_id,
            programme=names[1],
            sent=[o.person_id for o in outcomes if o.status == "sent"],
            refused=[o.person_id for o in outcomes if o.status == "refused"],
            skipped_no_email=list(no_email),
            skipped_bad_email=[p for p, _ in bad_email],
        )
    return replace(run, outcomes=outcomes)


def _context(target: ReactionTarget, review: str, programme: str, url: str) -> dict[str, Any]:
    return {"participant_name": target.name, "review": review, "programme": programme, "url": url}


def _outcome(
    target: ReactionTarget, email: str, status: str, error: str | None = None
) -> ReactionMailOutcome:
    return ReactionMailOutcome(target.external_id, target.name, email, status, error)
