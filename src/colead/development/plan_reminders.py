"""Reminder e-mails for overdue development actions: one letter per person, at most once a
week, each recorded as a mail event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from colead.config import Settings
from colead.development.plans import iso_date, overdue_actions
from colead.mail.smtp import Letter, MailServer, MailTemplates, build_message, send_letters
from colead.mail.wording import LETTER_KINDS, LetterKind, Wording, register_letter_kind
from colead.store import transaction
from colead.store.mail import NewMailEvent, record_mail_events, review_wordings
from colead.store.plans import (
    ActionRow,
    PersonRow,
    people_by_external_id,
    recently_reminded,
    review_name,
)
from colead.store.reviews import audit

# --- overdue reminders -------------------------------------------------------------------

KIND = "overdue_actions"
#: Someone reminded less than this long ago is not reminded again in the next run.
REMIND_EVERY = timedelta(days=7)

if KIND not in LETTER_KINDS:
    register_letter_kind(
        LetterKind(
            KIND,
            {
                "participant_name": "the name of the person who owns the actions",
                "review": "the review's name",
                "count": "how many of their actions are overdue",
                "actions": "the overdue actions; each has text, due and days_overdue",
            },
            {
                "participant_name": "Ben Client",
                "review": "Client Co – Supplier Ltd",
                "count": 1,
                "actions": [
                    {"text": "Share the joint plan early.", "due": "2026-01-31", "days_overdue": 3}
                ],
            },
            "Overdue development actions in the {{ review }} leadership review",
        )
    )


@dataclass(frozen=True)
class ReminderOutcome:
    person: str
    name: str
    email: str
    actions: int
    #: ``sent``, ``refused`` (by the server) or ``planned`` (dry run)
    status: str
    error: str | None = None


@dataclass(frozen=True)
class ReminderRun:
    dry_run: bool
    outcomes: tuple[ReminderOutcome, ...]
    #: people reminded within :data:`REMIND_EVERY`, and people without a usable address
    recently_reminded: tuple[str, ...]
    no_email: tuple[str, ...]
    #: overdue actions whose owner is no person of the review: (action id, owner)
    unassigned: tuple[tuple[int, str], ...]


def _recipient(row: ActionRow, directory: dict[str, PersonRow]) -> PersonRow | None:
    """Who is reminded of an action: its owner when that is a person id of the review,
    else the person whose plan it is."""
    if row.owner and row.owner in directory:
        return directory[row.owner]
    return directory.get(row.person) if row.person else None


def send_overdue_reminders(
    engine: Engine,
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    *,
    review: str | None = None,
    templates: Path | None = None,
    actor: str = "cli",
) -> ReminderRun:
    """E-mail each owner of overdue actions one letter listing them.

    An action is overdue when still open or in progress and due before ``now``'s date.
    Someone reminded in the last :data:`REMIND_EVERY` is left out, so a daily run does
    not flood anyone. Each letter leaves a mail event; each review one audit entry.
    """
    server = MailServer.from_settings(settings)
    today = now.date()
    with transaction(engine) as session:
        rows = overdue_actions(session, today, review)
        review_ids = sorted({r.review_id for r in rows})
        directories = {rid: people_by_external_id(session, rid) for rid in review_ids}
        review_names = {rid: review_name(session, rid) for rid in review_ids}
        wordings = {rid: review_wordings(session, rid) for rid in review_ids}
        recent = recently_reminded(session, KIND, now - REMIND_EVERY)
    owed: dict[tuple[int, int], list[ActionRow]] = {}
    who: dict[tuple[int, int], PersonRow] = {}
    unassigned: list[tuple[int, str]] = []
    for row in rows:
        person = _recipient(row, directories[row.review_id])
        if person is None:
            unassigned.append((row.id, row.owner or ""))
            continue
        owed.setdefault((row.review_id, person.id), []).append(row)
        who[(row.review_id, person.id)] = person
    letters: list[Letter] = []
    skipped_recent: list[str] = []
    no_email: list[str] = []
    for key in sorted(owed, key=lambda k: (k[0], who[k].external_id)):
        person = who[key]
        address = (person.email or "").strip()
        if person.id in recent:
            skipped_recent.append(person.external_id)
            continue
        if not address:
            no_email.append(person.external_id)
            continue
        overrides = {
            k: Wording(w.subject, w.body_text, w.body_html, f"the review's {k} wording")
            for k, w in wordings[key[0]].items()
        }
        context = {
            "participant_name": person.name,
            "review": review_names[key[0]],
            "count": len(owed[key]),
            "actions": [
                {
                    "text": r.description,
                    "due": iso_date(r.due_date),
                    "days_overdue": (today - r.due_date).days if r.due_date else 0,
                }
                for r in owed[key]
            ],
        }
        subject, text, html = MailTemplates(templates, overrides).render(KIND, context)
        try:
            message = build_message(
                server,
                recipient=address,
                recipient_name=person.name,
                subject=subject,
                text=text,
                html=html,
            )
        except ValueError:
            no_email.append(person.external_id)
            continue
        letters.append(Letter(f"{key[0]}:{key[1]}", address, message))
    by_key = {f"{k[0]}:{k[1]}": k for k in owed}

    def outcome(key: str, email: str, status: str, error: str | None = None) -> ReminderOutcome:
        person = who[by_key[key]]
        count = len(owed[by_key[key]])
        return ReminderOutcome(person.external_id, person.name, email, count, status, error)

    run = ReminderRun(dry_run, (), tuple(skipped_recent), tuple(no_email), tuple(unassigned))
    if dry_run:
        planned = tuple(outcome(x.key, x.recipient, "planned") for x in letters)
        return replace(run, outcomes=planned)
    deliveries = send_letters(server, letters)
    with transaction(engine) as session:
        record_mail_events(
            session,
            [
                NewMailEvent(
                    review_id=by_key[d.key][0],
                    wave_id=None,
                    person_id=by_key[d.key][1],
                    email=d.recipient,
                    kind=KIND,
                    status=d.status,
                    detail=d.error,
                    message_id=d.message_id,
                )
                for d in deliveries
            ],
            now,
        )
        for rid in review_ids:
            mine = [d for d in deliveries if by_key[d.key][0] == rid]
            audit(
                session,
                actor,
                "send_overdue_reminders",
                "review",
                rid,
                review_id=rid,
                sent=[who[by_key[d.key]].external_id for d in mine if d.sent],
                refused=[who[by_key[d.key]].external_id for d in mine if not d.sent],
                overdue_actions=sum(r.review_id == rid for r in rows),
            )
    outcomes = tuple(outcome(d.key, d.recipient, d.status, d.error) for d in deliveries)
    return replace(run, outcomes=outcomes)
