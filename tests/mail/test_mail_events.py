"""Every letter sent or refused leaves a mail event with the Message-ID it carried."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from colead.store import make_engine, transaction
from colead.store.schema import Person, Wave
from colead.store.schema_console import MailEvent
from mail import test_smtp as test_mail
from mail.test_smtp import SEND, Collector, invoke

# the fixtures of test_mail, shared
review_db = test_mail.review_db
smtp = test_mail.smtp

pytestmark = pytest.mark.integration


def mail_events(url: str) -> list[dict[str, object]]:
    """The stored events, oldest first, with the person's external id and the wave name."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(MailEvent, Person.external_id, Wave.name)
                .outerjoin(Person, Person.id == MailEvent.person_id)
                .outerjoin(Wave, Wave.id == MailEvent.wave_id)
                .order_by(MailEvent.id)
            )
            return [
                {"person": person, "wave": wave, "email": e.email, "kind": e.kind,
                 "status": e.status, "detail": e.detail, "message_id": e.message_id}
                for e, person, wave in rows
            ]  # fmt: skip
    finally:
        engine.dispose()


def test_sent_and_refused_letters_are_recorded_with_their_message_ids(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    handler.refuse.add("cy@supplier.test")
    result = invoke(port, *SEND, "--db", review_db)
    assert result.exit_code == 1, result.output
    events = mail_events(review_db)
    by_email = {e["email"]: e for e in events}
    assert sorted(by_email) == [
        "ana@client.test", "ben@client.test", "cy@supplier.test", "x1@client.test"
    ]  # fmt: skip
    assert {e["kind"] for e in events} == {"invitation"} and {e["wave"] for e in events} == {
        "baseline"
    }
    assert by_email["ben@client.test"]["person"] == "C2"
    assert by_email["cy@supplier.test"]["status"] == "refused"
    assert str(by_email["cy@supplier.test"]["detail"]).startswith("550 5.1.1")
    received = handler.messages()
    for address, message in received.items():
        assert by_email[address]["status"] == "sent"
        assert by_email[address]["message_id"] == message["Message-ID"]
        assert by_email[address]["detail"] is None
    assert len({e["message_id"] for e in events}) == 4


def test_reminders_are_recorded_as_their_own_kind(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    _, port = smtp
    reminded = invoke(port, "invitations", "remind", "--review", "Client X – Supplier Y",
                      "--db", review_db)  # fmt: skip
    assert reminded.exit_code == 0, reminded.output
    events = mail_events(review_db)
    assert [e["kind"] for e in events] == ["reminder"] * 4
    assert all(e["status"] == "sent" for e in events)


def test_a_dry_run_records_no_event(review_db: str, smtp: tuple[Collector, int]) -> None:
    _, port = smtp
    assert invoke(port, *SEND, "--dry-run", "--db", review_db).exit_code == 0
    assert mail_events(review_db) == []
