"""Participant links (file and e-mail) and what a participant's page is made of."""

from __future__ import annotations

import csv
import email
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select
from typer.testing import CliRunner

from builders import people_frame
from colead.cli import app
from colead.errors import UnknownRater
from colead.fieldwork.participants import (
    SEARCH_LIMIT,
    find_people,
    participant_of,
    participant_page,
    report_state,
)
from colead.ingest.people import import_people
from colead.store import make_engine, transaction
from colead.store.participants import ParticipantRecord, find_participant
from colead.store.reviews import get_review
from colead.store.schema import AuditEntry
from colead.store.schema_console import MailEvent
from colead.store.waves import hash_token
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

_LINK = re.compile(r"https://colead\.example/p/([A-Za-z0-9_-]+)")


class Collector:
    """An SMTP handler that keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: dict[str, EmailMessage] = {}

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        for recipient in envelope.rcpt_tos:
            self.messages[recipient] = message
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_survey_review(database_url)


def _run(url: str, *args: str, port: int = 25) -> Any:
    env = {
        "COLEAD_SMTP_HOST": "127.0.0.1",
        "COLEAD_SMTP_PORT": str(port),
        "COLEAD_SMTP_TLS": "none",
        "COLEAD_MAIL_FROM": "review@colead.test",
    }
    result = CliRunner().invoke(app, [*args, "--db", url], env=env)
    return result


def _participant(url: str, token: str) -> ParticipantRecord | None:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return find_participant(session, hash_token(token))
    finally:
        engine.dispose()


def test_export_writes_one_working_link_per_ratee(stored: SurveyDatabase, tmp_path: Path) -> None:
    target = tmp_path / "links.csv"
    args = ("participants", "export", str(target), "--review", REVIEW, "--wave", "baseline")
    result = _run(stored.url, *args, "--base-url", "https://colead.example")
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # C2, S1 and S2 are rated in the baseline wave
    assert [r["person_id"] for r in rows] == ["C2", "S1", "S2"]
    assert set(rows[0]) == {"person_id", "name", "email", "participant_url"}
    assert rows[0]["email"] == "ben@client.test"
    tokens = {r["person_id"]: _LINK.fullmatch(r["participant_url"]) for r in rows}
    first = tokens["C2"]
    assert first is not None
    found = _participant(stored.url, first.group(1))
    assert found is not None and (found.external_id, found.wave_name) == ("C2", "baseline")
    assert target.stat().st_mode & 0o077 == 0

    again = _run(stored.url, *args, "--base-url", "https://colead.example")
    assert again.exit_code == 0
    assert _participant(stored.url, first.group(1)) is None


def test_send_mails_each_participant_their_own_link(
    stored: SurveyDatabase, smtp: tuple[Collector, int]
) -> None:
    collector, port = smtp
    result = _run(
        stored.url,
        "participants",
        "send",
        "--review",
        REVIEW,
        "--wave",
        "baseline",
        "--base-url",
        "https://colead.example",
        port=port,
    )
    assert result.exit_code == 0, result.output
    assert set(collector.messages) == {"ben@client.test", "cy@supplier.test", "di@supplier.test"}
    message = collector.messages["ben@client.test"]
    assert "Ben Client" in message["To"]
    body = message.get_body(("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found is not None
    participant = _participant(stored.url, found.group(1))
    assert participant is not None and participant.external_id == "C2"
    assert participant.wave_name == "baseline"
    engine = make_engine(stored.url)
    with transaction(engine) as session:
        events = session.scalars(select(MailEvent).where(MailEvent.kind == "participant")).all()
        runs = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "send_participant_links")
        ).all()
    engine.dispose()
    assert sorted(e.status for e in events) == ["sent"] * 3
    assert len(runs) == 1 and runs[0].detail is not None and runs[0].detail["sent"] == 3
    assert found.group(1) not in str(runs[0].detail)


def test_a_dry_run_sends_nothing_and_keeps_the_links(
    stored: SurveyDatabase, smtp: tuple[Collector, int], tmp_path: Path
) -> None:
    collector, port = smtp
    result = _run(stored.url, "participants", "send", "--review", REVIEW, "--dry-run", port=port)
    assert result.exit_code == 0, result.output
    assert "Ben Client <ben@client.test>" in result.output
    assert collector.messages == {}


@contextmanager
def _open(url: str) -> Iterator[Any]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def _token(stored: SurveyDatabase, person: str, wave: str = "baseline") -> str:
    from web.participant.test_pages import issue_links

    return issue_links(stored.url, wave)[person]


def test_the_page_counts_raters_by_the_reports_rules(stored: SurveyDatabase) -> None:
    token = _token(stored, "C2")
    with _open(stored.url) as session:
        page = participant_page(session, token, minimum=4)
    groups = {g.relation: g for g in page.groups}
    assert [g.relation for g in page.groups] == [
        "manager",
        "peer",
        "direct_report",
        "partner",
        "other",
    ]
    assert (groups["manager"].assigned, groups["manager"].minimum) == (1, 1)
    assert groups["manager"].always_shown and groups["manager"].needed == 0
    assert (groups["partner"].assigned, groups["partner"].needed) == (1, 3)
    assert groups["peer"].needed_phrase == "4 more peers"
    assert page.self_state == "not_started"
    assert page.observers_assigned == 2
    assert page.report == "not_closed"


def test_the_report_rule() -> None:
    def record(status: str) -> ParticipantRecord:
        return ParticipantRecord(1, 1, "C2", "Ben", None, 1, "r", 1, "w", status, None)

    assert report_state(record("open"), 10, 3) == "not_closed"
    assert report_state(record("closed"), 2, 3) == "too_few"
    assert report_state(record("closed"), 3, 3) == "ready"


def test_search_finds_names_only_and_never_the_participant(
    stored: SurveyDatabase,
) -> None:
    extra = [
        {"person_id": f"P{k:02d}", "name": f"Pat Many {k:02d}", "email": f"p{k}@x.test",
         "organisation": "Client Co", "organisation_role": "client", "site": "North",
         "role_title": None, "level": 4, "manager_id": None}
        for k in range(25)
    ]  # fmt: skip
    with _open(stored.url) as session:
        import_people(session, get_review(session, REVIEW), people_frame(extra), "people")
    token = _token(stored, "C2")
    with _open(stored.url) as session:
        assert find_people(session, token, "b") == []
        assert find_people(session, token, "ben") == []  # the participant themself
        many = find_people(session, token, "  pat   many ")
        ana = find_people(session, token, "ANA")
        percent = find_people(session, token, "%%")
    assert len(many) == SEARCH_LIMIT
    assert [m.name for m in ana] == ["Ana Client"]
    assert ana[0].organisation == "Client Co" and not hasattr(ana[0], "email")
    assert percent == []


def test_unknown_tokens_are_the_survey_s_unknown_link(stored: SurveyDatabase) -> None:
    with _open(stored.url) as session:
        for token in ("short", "A" * 43, stored.tokens["self"], "../../etc"):
            with pytest.raises(UnknownRater):
                participant_of(session, token)
