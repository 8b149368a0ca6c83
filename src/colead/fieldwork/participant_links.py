"""Participant links: one per rated person per wave, handed out in a file or by e-mail.

A participant link opens the person's own page (``/p/<token>``): nominate raters, follow
how many are asked, read the report once the wave has closed. Like survey links, the
token has 256 random bits and only its SHA-256 is stored, so a link can be handed out
only when it is made; issuing again replaces it and the earlier link stops working.

Links can be issued in any wave status: before a wave opens (to nominate raters), while
it runs, and after it closes (to read the report).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from colead.fieldwork.invitations import _move, _write_temporary, check_target
from colead.mail.smtp import Letter, MailServer, MailTemplates, build_message, send_letters
from colead.mail.wording import LETTER_KINDS, LetterKind, Wording, register_letter_kind
from colead.store import open_database, transaction
from colead.store.mail import NewMailEvent, record_mail_events, review_wordings
from colead.store.participants import Ratee, replace_participant_links, wave_ratees
from colead.store.reviews import audit, get_review
from colead.store.schema import utcnow
from colead.store.waves import get_wave, hash_token, new_token

COLUMNS = ("person_id", "name", "email", "participant_url")
KIND = "participant"

if KIND not in LETTER_KINDS:
    register_letter_kind(
        LetterKind(
            KIND,
            {
                "participant_name": "the participant's name",
                "review": "the review's name",
                "wave": "the wave's name",
                "url": "the participant's personal page",
            },
            {
                "participant_name": "Ben Client",
                "review": "Client Co – Supplier Ltd",
                "wave": "baseline",
                "url": "https://survey.example/p/SAMPLE",
            },
            "Your 360 feedback in the {{ review }} leadership review",
        )
    )


def participant_url(base_url: str, token: str) -> str:
    """The personal page address of a participant token."""
    return f"{base_url.rstrip('/')}/p/{token}"


@dataclass(frozen=True)
class ParticipantLinks:
    review: str
    wave: str
    status: str
    #: one row per participant, columns :data:`COLUMNS`
    table: pd.DataFrame


@dataclass(frozen=True)
class ParticipantExport:
    path: Path
    rows: int
    review: str
    wave: str


def issue_participant_links(
    session: Session, review_name: str, wave_name: str | None, base_url: str, *, actor: str
) -> ParticipantLinks:
    """A fresh participant link for everyone rated in the wave (the latest when None)."""
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    ratees = wave_ratees(session, wave.id)
    tokens = {r.person_id: new_token() for r in ratees}
    replace_participant_links(session, wave.id, {p: hash_token(t) for p, t in tokens.items()})
    audit(
        session,
        actor,
        "issue_participant_links",
        "wave",
        wave.id,
        review_id=review.id,
        name=wave.name,
        count=len(ratees),
    )
    table = pd.DataFrame(
        [
            (r.external_id, r.name, r.email or "", participant_url(base_url, tokens[r.person_id]))
            for r in ratees
        ],
        columns=list(COLUMNS),
    )
    return ParticipantLinks(review.name, wave.name, wave.status, table)


def export_participant_links(
    database_url: str,
    path: Path,
    *,
    review: str,
    base_url: str,
    wave: str | None = None,
    actor: str = "cli",
) -> ParticipantExport:
    """Issue the participant links of a wave and write them to the CSV file ``path``
    (owner-only, written before the new links are committed, as invitations are)."""
    check_target(path)
    engine = open_database(database_url)
    temporary: Path | None = None
    try:
        with transaction(engine) as session:
            issued = issue_participant_links(session, review, wave, base_url, actor=actor)
            temporary = _write_temporary(issued.table, path)
        _move(temporary, path)
    finally:
        engine.dispose()
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return ParticipantExport(path, len(issued.table), issued.review, issued.wave)


# --- by e-mail ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantMailOutcome:
    name: str
    email: str
    #: ``sent``, ``refused`` (by the server) or ``planned`` (dry run)
    status: str
    error: str | None = None


@dataclass(frozen=True)
class ParticipantMailRun:
    review: str
    wave: str
    dry_run: bool
    outcomes: tuple[ParticipantMailOutcome, ...]
    no_email: tuple[str, ...]
    bad_email: tuple[tuple[str, str], ...]

    @property
    def sent(self) -> tuple[ParticipantMailOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "sent")

    @property
    def refused(self) -> tuple[ParticipantMailOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "refused")


def mail_participant_links(
    database_url: str,
    *,
    review: str,
    server: MailServer,
    base_url: str,
    wave: str | None = None,
    templates: Path | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> ParticipantMailRun:
    """E-mail everyone rated in the wave a fresh link to their own page.

    Every message is built before the server is contacted; the new link is stored only
    for the messages the server accepted (a refused participant keeps their earlier
    link). Each letter leaves a mail event and the run one audit entry (never a token).
    """
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            review_row = get_review(session, review)
            wave_row = get_wave(session, review_row, wave)
            ratees = wave_ratees(session, wave_row.id)
            names = (review_row.name, wave_row.name)
            review_id, wave_id = review_row.id, wave_row.id
            own = review_wordings(session, review_id)
        overrides = {
            k: Wording(w.subject, w.body_text, w.body_html, f"the review's {k} wording")
            for k, w in own.items()
        }
        chosen_templates = MailTemplates(templates, overrides)
        no_email = [r.name for r in ratees if not (r.email or "").strip()]
        tokens = {r.person_id: new_token() for r in ratees if (r.email or "").strip()}
        letters: list[Letter] = []
        bad_email: list[tuple[str, str]] = []
        by_key: dict[str, Ratee] = {}
        for ratee in ratees:
            if ratee.person_id not in tokens:
                continue
            context = _context(ratee, *names, participant_url(base_url, tokens[ratee.person_id]))
            subject, text, html = chosen_templates.render(KIND, context)
            try:
                message = build_message(
                    server,
                    recipient=(ratee.email or "").strip(),
                    recipient_name=ratee.name,
                    subject=subject,
                    text=text,
                    html=html,
                )
            except ValueError as exc:
                bad_email.append((ratee.name, str(exc)))
                continue
            by_key[str(ratee.person_id)] = ratee
            letters.append(Letter(str(ratee.person_id), (ratee.email or "").strip(), message))
        run = ParticipantMailRun(*names, dry_run, (), tuple(no_email), tuple(bad_email))
        if dry_run:
            planned = [
                ParticipantMailOutcome(by_key[x.key].name, x.recipient, "planned") for x in letters
            ]
            return replace(run, outcomes=tuple(planned))
        deliveries = send_letters(server, letters)
        outcomes = tuple(
            ParticipantMailOutcome(by_key[d.key].name, d.recipient, d.status, d.error)
            for d in deliveries
        )
        delivered = {by_key[d.key].person_id for d in deliveries if d.sent}
        with transaction(engine) as session:
            replace_participant_links(
                session, wave_id, {p: hash_token(tokens[p]) for p in delivered}
            )
            record_mail_events(
                session,
                [
                    NewMailEvent(
                        review_id=review_id,
                        wave_id=wave_id,
                        person_id=by_key[d.key].person_id,
                        email=d.recipient,
                        kind=KIND,
                        status=d.status,
                        detail=d.error,
                        message_id=d.message_id,
                    )
                    for d in deliveries
                ],
                utcnow(),
            )
            audit(
                session,
                actor,
                "send_participant_links",
                "wave",
                wave_id,
                review_id=review_id,
                name=names[1],
                messages=len(outcomes),
                sent=sum(o.status == "sent" for o in outcomes),
                refused=sum(o.status == "refused" for o in outcomes),
                skipped_no_email=len(no_email),
                skipped_bad_email=len(bad_email),
                outcomes=[_audited(o) for o in outcomes],
            )
    finally:
        engine.dispose()
    return replace(run, outcomes=outcomes)


def _context(ratee: Ratee, review: str, wave: str, url: str) -> dict[str, Any]:
    return {"participant_name": ratee.name, "review": review, "wave": wave, "url": url}


def _audited(outcome: ParticipantMailOutcome) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": outcome.name, "email": outcome.email, "status": outcome.status}
    if outcome.error:
        entry["error"] = outcome.error
    return entry
