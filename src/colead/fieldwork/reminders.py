"""Scheduled reminders: e-mail the raters who have not submitted, at set times.

A reminder is a row with a due time (UTC). Whoever runs :func:`run_due_reminders` (cron
with ``colead reminders run``, or the web app's background loop on every worker) first
*claims* each due reminder with one conditional UPDATE; only the run whose UPDATE found
it unclaimed sends it, so two runners never send one reminder twice. A reminder of a
wave that is no longer open is skipped, not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.config import Settings
from colead.domain import WaveStatus
from colead.errors import (
    AlreadyExists,
    ColeadError,
    Conflict,
    InvalidData,
    MailUnavailable,
    NotFound,
    WaveClosed,
)
from colead.fieldwork.wave_mail import MailRun, send_wave_mail
from colead.mail.smtp import MailServer
from colead.store import transaction
from colead.store.mail import (
    ReminderRow,
    add_reminder,
    as_utc,
    claim_reminder,
    delete_unstarted_reminder,
    due_reminder_ids,
    finish_reminder,
    get_reminder,
    list_reminders,
    release_reminder,
    reminder_exists,
)
from colead.store.reviews import audit, get_review
from colead.store.schema import utcnow
from colead.store.waves import get_wave

ReminderState = Literal["scheduled", "sending", "sent", "skipped", "failed"]


def reminder_state(row: ReminderRow) -> ReminderState:
    """Where a reminder stands, from its stored times and outcome.

    A reminder given back after the mail server could not be reached is ``scheduled``
    again (its outcome keeps the error).
    """
    status = (row.outcome or {}).get("status")
    if status == "sent":
        return "sent"
    if status == "skipped":
        return "skipped"
    if row.started_at is None:
        return "scheduled"
    return "failed" if status == "failed" else "sending"


def reminder_result(row: ReminderRow) -> str:
    """What became of a reminder, in a few words (empty while it waits)."""
    outcome = row.outcome or {}
    if outcome.get("status") == "sent":
        return f"{outcome.get('sent', 0)} sent, {outcome.get('refused', 0)} refused"
    return str(outcome.get("reason") or outcome.get("error") or "")


def parse_due_time(text: str) -> datetime:
    """A time written as ``2026-12-03T09:00`` (or with a space, or a zone) as UTC.

    A time without a zone is taken to be UTC.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidData(
            f"{text!r} is not a date and time.",
            "Write it as YYYY-MM-DDTHH:MM in UTC, e.g. 2026-12-03T09:00.",
        ) from None
    return as_utc(moment).replace(second=0, microsecond=0)


def schedule_reminders(
    session: Session,
    review_name: str,
    wave_name: str,
    times: Sequence[datetime],
    *,
    now: datetime,
    actor: str,
) -> list[ReminderRow]:
    """Schedule a reminder of the wave at each time (UTC).

    Refuses times not after ``now`` (InvalidData), a closed wave (WaveClosed) and a time
    already scheduled for the wave (AlreadyExists). All or nothing.
    """
    if not times:
        raise InvalidData("No time was given.", "Give at least one time, e.g. 2026-12-03T09:00.")
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    if wave.status == WaveStatus.closed.value:
        raise WaveClosed(
            f"Wave {wave.name!r} of review {review.name!r} is closed: no reminder can be "
            "scheduled for it.",
            "Choose an open or draft wave.",
        )
    made: list[int] = []
    for moment in sorted({as_utc(t) for t in times}):
        if moment <= as_utc(now):
            raise InvalidData(
                f"{moment:%Y-%m-%d %H:%M} UTC is in the past; no reminder was scheduled.",
                "Give a time in the future (times are in UTC).",
            )
        if reminder_exists(session, wave.id, moment):
            raise AlreadyExists(
                f"A reminder of wave {wave.name!r} is already due at {moment:%Y-%m-%d %H:%M} "
                "UTC; no reminder was scheduled.",
                "Leave that time out, or cancel the scheduled one first.",
            )
        made.append(add_reminder(session, wave.id, moment, actor))
        audit(
            session,
            actor,
            "schedule_reminder",
            "reminder",
            made[-1],
            review_id=review.id,
            wave=wave.name,
            due_at=moment.isoformat(),
        )
    return [r for r in list_reminders(session, wave_id=wave.id) if r.id in made]


def review_reminders(
    session: Session, review_name: str | None = None, wave_name: str | None = None
) -> list[ReminderRow]:
    """Reminders of one review (and wave), or of every review, by due time."""
    if review_name is None:
        return list_reminders(session)
    review = get_review(session, review_name)
    if wave_name is None:
        return list_reminders(session, review_id=review.id)
    return list_reminders(session, wave_id=get_wave(session, review, wave_name).id)


def cancel_reminder(
    session: Session, reminder_id: int, *, actor: str, review_name: str | None = None
) -> ReminderRow:
    """Cancel a reminder that has not been taken by a run yet.

    NotFound when there is none (in ``review_name``, when given); Conflict when it is
    being sent or was sent.
    """
    row = get_reminder(session, reminder_id)
    if row is None or (review_name is not None and row.review != review_name):
        raise NotFound(
            f"There is no scheduled reminder {reminder_id}.",
            "See the scheduled reminders with `colead reminders list`.",
        )
    if not delete_unstarted_reminder(session, reminder_id):
        raise Conflict(
            f"Reminder {reminder_id} has already been sent or is being sent; it cannot be "
            "cancelled.",
            None,
        )
    audit(
        session,
        actor,
        "cancel_reminder",
        "reminder",
        reminder_id,
        review_id=row.review_id,
        wave=row.wave,
        due_at=row.due_at.isoformat(),
    )
    return row


@dataclass(frozen=True)
class ReminderRun:
    """What one run did with one due reminder."""

    reminder: ReminderRow
    status: Literal["sent", "skipped", "failed"]
    reason: str = ""
    mail: MailRun | None = None


def run_due_reminders(
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    *,
    server: MailServer | None = None,
) -> list[ReminderRun]:
    """Send every reminder due by ``now`` that no other run has claimed.

    A reminder is claimed in its own committed transaction before anything is sent. A
    wave that is not open is skipped; a mail server that cannot be reached gives the
    reminder back for the next run (nothing was sent). A wave gets at most one reminder
    per run, even when several were due (e.g. after the server was down).
    """
    moment = as_utc(now or datetime.now(UTC))
    chosen_server = server or MailServer.from_settings(settings)
    with transaction(engine) as session:
        due = due_reminder_ids(session, moment)
    done: list[ReminderRun] = []
    reminded_waves: set[int] = set()
    for reminder_id in due:
        with transaction(engine) as session:
            if not claim_reminder(session, reminder_id, moment):
                continue  # another run took it
            row = get_reminder(session, reminder_id)
        if row is None:  # pragma: no cover - deleted between claim and read
            continue
        done.append(_send(engine, settings, chosen_server, row, reminded_waves))
    return done


def _send(
    engine: Engine,
    settings: Settings,
    server: MailServer,
    row: ReminderRow,
    reminded_waves: set[int],
) -> ReminderRun:
    if row.wave_id in reminded_waves:
        reason = "another reminder of this wave was sent in the same run"
        return _finish(engine, row, "skipped", reason)
    try:
        run = send_wave_mail(
            engine,
            review=row.review,
            wave=row.wave,
            server=server,
            base_url=settings.public_url,
            kind="reminder",
            actor=row.created_by,
        )
    except (WaveClosed, Conflict) as exc:
        return _finish(engine, row, "skipped", f"the wave is not open: {exc.message}")
    except MailUnavailable as exc:
        with transaction(engine) as session:
            release_reminder(session, row.id, {"status": "failed", "error": exc.message})
        return ReminderRun(row, "failed", f"{exc.message} It will be tried again.")
    except ColeadError as exc:
        return _finish(engine, row, "failed", exc.message)
    reminded_waves.add(row.wave_id)
    outcome: dict[str, Any] = {"status": "sent", **run.summary()}
    with transaction(engine) as session:
        finish_reminder(session, row.id, outcome, utcnow())
    return ReminderRun(row, "sent", "", run)


def _finish(
    engine: Engine, row: ReminderRow, status: Literal["skipped", "failed"], reason: str
) -> ReminderRun:
    with transaction(engine) as session:
        finish_reminder(session, row.id, {"status": status, "reason": reason}, None)
    return ReminderRun(row, status, reason)
