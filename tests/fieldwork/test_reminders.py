"""Scheduled reminders: scheduling rules, one send per reminder however many runners,
closed waves skipped, and the ``colead reminders`` commands."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from colead.config import Settings, load_settings
from colead.errors import AlreadyExists, Conflict, InvalidData, NotFound, WaveClosed
from colead.fieldwork.lifecycle import close_wave
from colead.fieldwork.reminders import (
    ReminderRun,
    cancel_reminder,
    parse_due_time,
    reminder_state,
    review_reminders,
    run_due_reminders,
    schedule_reminders,
)
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry
from mail import test_smtp as test_mail
from mail.test_mail_events import mail_events
from mail.test_smtp import BASE, REVIEW, SENDER, Collector, free_port, invoke

# the fixtures of test_mail, shared
review_db = test_mail.review_db
smtp = test_mail.smtp

pytestmark = pytest.mark.integration

BEFORE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 3, 9, 1, tzinfo=UTC)


def settings_for(url: str, port: int) -> Settings:
    return load_settings(
        database_url=url, smtp_port=port, mail_from=SENDER, public_url=BASE, smtp_tls="none"
    )


def schedule(
    url: str, *times: datetime, wave: str = "baseline", now: datetime = BEFORE
) -> list[int]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            made = schedule_reminders(session, REVIEW, wave, list(times), now=now, actor="a@x")
        return [row.id for row in made]
    finally:
        engine.dispose()


def reminders(url: str) -> list[tuple[str, dict[str, object] | None]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return [(reminder_state(r), r.outcome) for r in review_reminders(session, REVIEW)]
    finally:
        engine.dispose()


def run(url: str, port: int, now: datetime = AFTER) -> list[ReminderRun]:
    engine = make_engine(url)
    try:
        return run_due_reminders(engine, settings_for(url, port), now)
    finally:
        engine.dispose()


def test_times_in_the_past_closed_waves_and_repeats_are_refused(review_db: str) -> None:
    with pytest.raises(InvalidData, match="in the past"):
        schedule(review_db, DUE, datetime(2026, 11, 30, tzinfo=UTC))
    assert reminders(review_db) == []  # all or nothing
    schedule(review_db, DUE)
    with pytest.raises(AlreadyExists, match="already due at 2026-12-03 09:00 UTC"):
        schedule(review_db, DUE)
    engine = make_engine(review_db)
    try:
        with transaction(engine) as session:
            close_wave(session, REVIEW, "baseline", actor="a@x", minimum=3)
    finally:
        engine.dispose()
    with pytest.raises(WaveClosed):
        schedule(review_db, datetime(2026, 12, 4, tzinfo=UTC))


def test_due_times_are_read_as_utc() -> None:
    assert parse_due_time("2026-12-03T09:00") == DUE
    assert parse_due_time("2026-12-03 10:00+01:00") == DUE
    with pytest.raises(InvalidData, match="YYYY-MM-DDTHH:MM"):
        parse_due_time("next tuesday")


def test_a_due_reminder_goes_to_raters_who_have_not_submitted(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    (early,) = schedule(review_db, DUE)
    schedule(review_db, datetime(2026, 12, 10, tzinfo=UTC))
    assert run(review_db, port, now=datetime(2026, 12, 3, 8, 59, tzinfo=UTC)) == []
    (done,) = run(review_db, port)
    assert done.reminder.id == early and done.status == "sent" and done.mail is not None
    assert sorted(handler.messages()) == [
        "ana@client.test", "ben@client.test", "cy@supplier.test", "x1@client.test"
    ]  # fmt: skip
    ben = handler.messages()["ben@client.test"]
    assert ben["Subject"] == f"Reminder: your feedback for the {REVIEW} leadership review"
    assert "(self)" not in ben.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    states = reminders(review_db)
    assert [s for s, _ in states] == ["sent", "scheduled"]
    outcome = states[0][1] or {}
    assert (outcome["status"], outcome["sent"], outcome["skipped_submitted"]) == ("sent", 4, 1)
    assert [e["kind"] for e in mail_events(review_db)] == ["reminder"] * 4
    assert run(review_db, port) == []  # never twice


def test_two_runners_never_send_one_reminder_twice(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    schedule(review_db, DUE)
    start = threading.Barrier(2)
    results: list[list[ReminderRun]] = []
    errors: list[BaseException] = []

    def runner() -> None:
        engine = make_engine(review_db)
        try:
            settings = settings_for(review_db, port)
            start.wait()
            results.append(run_due_reminders(engine, settings, AFTER))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 1]
    assert len(handler.envelopes) == 4
    assert len(mail_events(review_db)) == 4


def test_a_closed_waves_reminder_is_not_sent(review_db: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    schedule(review_db, DUE)
    engine = make_engine(review_db)
    try:
        with transaction(engine) as session:
            close_wave(session, REVIEW, "baseline", actor="a@x", minimum=3)
    finally:
        engine.dispose()
    (done,) = run(review_db, port)
    assert done.status == "skipped" and "not open" in done.reason
    assert handler.envelopes == [] and mail_events(review_db) == []
    ((state, outcome),) = reminders(review_db)
    assert state == "skipped" and outcome is not None and "is closed" in str(outcome["reason"])


def test_an_unreachable_server_gives_the_reminder_back(review_db: str) -> None:
    schedule(review_db, DUE)
    (done,) = run(review_db, free_port())
    assert done.status == "failed" and "tried again" in done.reason
    ((state, outcome),) = reminders(review_db)
    assert state == "scheduled" and outcome is not None and outcome["status"] == "failed"


def test_only_an_untaken_reminder_can_be_cancelled(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    _, port = smtp
    sent, later = schedule(review_db, DUE, datetime(2026, 12, 10, tzinfo=UTC))
    run(review_db, port)
    engine = make_engine(review_db)
    try:
        with transaction(engine) as session, pytest.raises(Conflict, match="already been sent"):
            cancel_reminder(session, sent, actor="a@x")
        with transaction(engine) as session:
            with pytest.raises(NotFound):
                cancel_reminder(session, later, actor="a@x", review_name="Another review")
            cancel_reminder(session, later, actor="a@x")
        with transaction(engine) as session:
            actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    finally:
        engine.dispose()
    assert [s for s, _ in reminders(review_db)] == ["sent"]
    assert actions.count("schedule_reminder") == 2 and actions.count("cancel_reminder") == 1


def test_the_reminders_commands(review_db: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    db = ("--db", review_db)
    made = invoke(port, "reminders", "schedule", "--review", REVIEW, "--wave", "baseline",
                  "--at", "2099-01-05T09:00", "--at", "2099-01-06T09:00", *db)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "for 2099-01-05 09:00 UTC" in made.output and "for 2099-01-06 09:00 UTC" in made.output
    past = invoke(port, "reminders", "schedule", "--review", REVIEW, "--wave", "baseline",
                  "--at", "2020-01-01T09:00", *db)  # fmt: skip
    assert isinstance(past.exception, InvalidData)
    listed = invoke(port, "reminders", "list", *db)
    assert listed.output.count("scheduled") == 2 and "2099-01-05 09:00" in listed.output
    first = reminders(review_db)
    engine = make_engine(review_db)
    try:
        with transaction(engine) as session:
            ids = [r.id for r in review_reminders(session, REVIEW)]
    finally:
        engine.dispose()
    cancelled = invoke(port, "reminders", "cancel", "--id", str(ids[1]), *db)
    assert "Cancelled reminder" in cancelled.output and len(reminders(review_db)) == len(first) - 1
    nothing = invoke(port, "reminders", "run", *db)
    assert nothing.exit_code == 0 and "No reminder is due." in nothing.output
    assert handler.envelopes == []
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    (overdue,) = schedule(review_db, datetime(2020, 1, 2, tzinfo=UTC), now=long_ago)
    ran = invoke(port, "reminders", "run", *db)
    assert ran.exit_code == 0, ran.output
    assert (
        f"Reminder {overdue} of wave 'baseline' of review {REVIEW!r}: sent 4 message(s), "
        "0 refused, 0 bounced address(es) skipped." in ran.output
    )
    assert len(handler.envelopes) == 4


def test_the_web_app_sends_due_reminders_in_the_background(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    from fastapi.testclient import TestClient

    from colead.web import create_app

    handler, port = smtp
    schedule(review_db, datetime(2020, 1, 2, tzinfo=UTC), now=datetime(2020, 1, 1, tzinfo=UTC))
    settings = settings_for(review_db, port).model_copy(update={"reminders_every": 1})
    with TestClient(create_app(settings)):
        for _ in range(100):  # up to 10 s on a slow machine
            if len(handler.envelopes) == 4 and reminders(review_db)[0][0] == "sent":
                break
            time.sleep(0.1)
    assert len(handler.envelopes) == 4
    assert [state for state, _ in reminders(review_db)] == ["sent"]
    off = settings_for(review_db, port).model_copy(update={"reminders_every": 0})
    assert off.reminders_every == 0 and load_settings(reminders_every="0").reminders_every == 0
