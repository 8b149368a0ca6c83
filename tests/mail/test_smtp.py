"""`colead invitations send` and `remind`: personal links by e-mail through a real SMTP server."""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from builders import store_files_review
from colead.cli import app
from colead.config import load_settings
from colead.errors import ColeadError, ConfigurationError, Conflict, MailUnavailable, WaveClosed
from colead.store import init_database, make_engine, transaction
from colead.store.schema import Assignment, AuditEntry, Person
from colead.store.survey import find_survey
from colead.store.waves import hash_token

REVIEW = "Client X – Supplier Y"
BASE = "https://survey.example.org"
SENDER = "Leadership review <review@colead.test>"
HOSTILE = "<b>x</b>"


class Collector:
    """An aiosmtpd handler that keeps every accepted message and refuses chosen addresses."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> dict[str, EmailMessage]:
        """The accepted messages by envelope recipient."""
        found: dict[str, EmailMessage] = {}
        for envelope in self.envelopes:
            content = envelope.content
            assert isinstance(content, bytes)
            message = email.message_from_bytes(content, policy=default_policy)
            assert isinstance(message, EmailMessage)
            (recipient,) = envelope.rcpt_tos
            found[recipient] = message
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def invoke(port: int, *args: str) -> Result:
    env = {
        "COLEAD_SMTP_HOST": "127.0.0.1",
        "COLEAD_SMTP_PORT": str(port),
        "COLEAD_SMTP_TLS": "none",
        "COLEAD_MAIL_FROM": SENDER,
    }
    return CliRunner().invoke(app, list(args), env=env)


def failure(result: Result, kind: type[ColeadError]) -> ColeadError:
    assert isinstance(result.exception, kind), result.output
    return result.exception


@pytest.fixture
def review_db(database_url: str, tmp_path: Path) -> str:
    """Six people, one named like markup and one without e-mail; six forms, one submitted.

    Raters: Ana (C1) 1 form, Ben (C2) 2 forms (his self form submitted), Cy (S1) 1 form,
    the markup name (X1) 1 form, No Mail (N1) 1 form.
    """
    init_database(database_url)
    store_files_review(
        database_url,
        tmp_path / "data",
        REVIEW,
        [{"person_id": "X1", "name": HOSTILE, "email": "x1@client.test",
          "organisation": "Client Co", "organisation_role": "client", "site": "North",
          "role_title": "Analyst", "level": 4, "manager_id": "C2"},
         {"person_id": "N1", "name": "No Mail", "email": None,
          "organisation": "Supplier Ltd", "organisation_role": "supplier", "site": "North",
          "role_title": "Technician", "level": 5, "manager_id": "S1"}],
        [("C2", "C2", "self"), ("C2", "C1", "manager"), ("C2", "S1", "partner"),
         ("X1", "C2", "manager"), ("S1", "X1", "partner"), ("S2", "N1", "peer")],
    )  # fmt: skip
    return database_url


def _hashes(url: str) -> dict[tuple[str, str], str]:
    """Stored token hash of each form, by (rater id, ratee id)."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            people = {i: e for i, e in session.execute(select(Person.id, Person.external_id))}
            rows = session.execute(
                select(Assignment.rater_id, Assignment.ratee_id, Assignment.token_hash)
            )
            return {(people[r], people[e]): h for r, e, h in rows}
    finally:
        engine.dispose()


def _audit(url: str, action: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            query = select(AuditEntry.detail).where(AuditEntry.action == action)
            return [d or {} for d in session.scalars(query.order_by(AuditEntry.id))]
    finally:
        engine.dispose()


def _survey_ratee(url: str, token: str) -> str:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return find_survey(session, hash_token(token)).ratee_name
    finally:
        engine.dispose()


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return (
        text.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )


def _tokens(text: str) -> list[str]:
    return [word.rsplit("/s/", 1)[1] for word in text.split() if word.startswith(f"{BASE}/s/")]


SEND = ("invitations", "send", "--review", REVIEW, "--base-url", BASE)


@pytest.mark.integration
def test_each_rater_gets_one_message_with_working_links(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    before = _hashes(review_db)
    result = invoke(port, *SEND, "--db", review_db)
    assert result.exit_code == 0, result.output
    assert "Sent 4 invitation(s) with 5 survey link(s)" in result.output
    assert "Skipped 1 rater(s) without an e-mail address" in result.output
    assert "No Mail" in result.output

    messages = handler.messages()
    assert sorted(messages) == [
        "ana@client.test", "ben@client.test", "cy@supplier.test", "x1@client.test"
    ]  # fmt: skip
    ben = messages["ben@client.test"]
    assert ben["From"] == SENDER
    assert ben["To"].addresses[0].addr_spec == "ben@client.test"
    assert ben["To"].addresses[0].display_name == "Ben Client"
    assert ben["Subject"] == f"Your feedback for the {REVIEW} leadership review"
    assert ben.is_multipart() and ben.get_content_type() == "multipart/alternative"
    text, html = _parts(ben)
    assert "Dear Ben Client," in text and "Ben Client (self)" in text and HOSTILE in text
    tokens = _tokens(text)
    assert len(tokens) == 2
    after = _hashes(review_db)
    stored = {after[("C2", "C2")], after[("C2", "X1")]}
    assert {hash_token(token) for token in tokens} == stored
    assert {_survey_ratee(review_db, token) for token in tokens} == {"Ben Client", HOSTILE}
    for token in tokens:
        assert f'href="{BASE}/s/{token}"' in html

    ana_text, _ = _parts(messages["ana@client.test"])
    (ana_token,) = _tokens(ana_text)
    assert "Ben Client (manager)" in ana_text
    assert hash_token(ana_token) == after[("C1", "C2")]
    # every form with a recipient got a new link; the rater without e-mail kept theirs
    changed = {form for form in before if before[form] != after[form]}
    assert changed == set(before) - {("N1", "S2")}

    (entry,) = _audit(review_db, "send_invitations")
    assert entry["messages"] == 4 and entry["sent"] == 4 and entry["refused"] == 0
    assert entry["forms"] == 5 and entry["skipped_no_email"] == 1
    assert {o["email"]: o["status"] for o in entry["outcomes"]} == dict.fromkeys(messages, "sent")
    logged = json.dumps(entry)
    assert all(token not in logged for token in [*tokens, ana_token])


@pytest.mark.integration
def test_only_pending_and_reminders_leave_submitted_forms_out(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    before = _hashes(review_db)
    pending = invoke(port, *SEND, "--only-pending", "--db", review_db)
    assert pending.exit_code == 0, pending.output
    assert "1 submitted form(s) left out" in pending.output
    text, _ = _parts(handler.messages()["ben@client.test"])
    (token,) = _tokens(text)
    assert _survey_ratee(review_db, token) == HOSTILE
    assert "(self)" not in text
    assert _hashes(review_db)[("C2", "C2")] == before[("C2", "C2")]

    handler.envelopes.clear()
    reminded = invoke(port, "invitations", "remind", "--review", REVIEW, "--wave", "baseline",
                      "--base-url", BASE, "--db", review_db)  # fmt: skip
    assert reminded.exit_code == 0, reminded.output
    assert "Sent 4 reminder(s) with 4 survey link(s)" in reminded.output
    messages = handler.messages()
    ben = messages["ben@client.test"]
    assert ben["Subject"] == f"Reminder: your feedback for the {REVIEW} leadership review"
    text, _ = _parts(ben)
    (new_token,) = _tokens(text)
    assert new_token != token
    assert hash_token(new_token) == _hashes(review_db)[("C2", "X1")]
    assert _hashes(review_db)[("C2", "C2")] == before[("C2", "C2")]
    (entry,) = _audit(review_db, "send_reminders")
    assert entry["sent"] == 4 and entry["skipped_submitted"] == 1 and entry["only_pending"]


@pytest.mark.integration
def test_a_refused_recipient_is_recorded_and_the_rest_are_delivered(
    review_db: str, smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    handler.refuse.add("cy@supplier.test")
    before = _hashes(review_db)
    result = invoke(port, *SEND, "--db", review_db)
    assert result.exit_code == 1, result.output
    assert "Sent 3 invitation(s)" in result.output
    assert "1 message(s) refused" in result.output
    assert "cy@supplier.test" in result.output and "550" in result.output
    assert sorted(handler.messages()) == [
        "ana@client.test", "ben@client.test", "x1@client.test"
    ]  # fmt: skip
    after = _hashes(review_db)
    assert after[("S1", "C2")] == before[("S1", "C2")]  # Cy keeps the link they had
    assert after[("C1", "C2")] != before[("C1", "C2")]
    (entry,) = _audit(review_db, "send_invitations")
    assert entry["sent"] == 3 and entry["refused"] == 1
    (refused,) = [o for o in entry["outcomes"] if o["status"] == "refused"]
    assert refused["email"] == "cy@supplier.test" and refused["error"].startswith("550")


@pytest.mark.integration
def test_a_server_that_is_down_gives_a_clear_error_and_changes_nothing(review_db: str) -> None:
    port = free_port()  # nothing listens there
    before = _hashes(review_db)
    result = invoke(port, *SEND, "--db", review_db)
    error = failure(result, MailUnavailable)
    assert MailUnavailable.exit_code == 10
    assert f"127.0.0.1:{port}" in error.message and "No message was sent" in error.message
    assert "COLEAD_SMTP_HOST" in (error.hint or "")
    assert _hashes(review_db) == before
    assert _audit(review_db, "send_invitations") == []


@pytest.mark.integration
def test_templates_from_a_folder_replace_the_built_in_ones(
    review_db: str, smtp: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp
    own = tmp_path / "templates"
    own.mkdir()
    (own / "invitation.txt.j2").write_text(
        "Subject: Please rate, {{ rater_name }} ({{ wave }})\n"
        "Hello {{ rater_name }}!\n{% for f in forms %}* {{ f.ratee_name }}: {{ f.url }}\n"
        "{% endfor %}",
        encoding="utf-8",
    )
    result = invoke(port, *SEND, "--templates", str(own), "--db", review_db)
    assert result.exit_code == 0, result.output
    ana = handler.messages()["ana@client.test"]
    assert ana["Subject"] == "Please rate, Ana Client (baseline)"
    text, html = _parts(ana)
    assert text.startswith("Hello Ana Client!\n* Ben Client: ")
    assert "You are invited" in html  # the folder has no HTML template: the built-in one


@pytest.mark.integration
def test_a_broken_template_sends_nothing(
    review_db: str, smtp: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp
    (tmp_path / "invitation.html.j2").write_text("{{ no_such_name }}", encoding="utf-8")
    before = _hashes(review_db)
    result = invoke(port, *SEND, "--templates", str(tmp_path), "--db", review_db)
    assert result.exit_code != 0
    assert "invitation.html.j2" in str(result.exception)
    assert handler.envelopes == [] and _hashes(review_db) == before


@pytest.mark.integration
def test_the_html_part_escapes_names(review_db: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    assert invoke(port, *SEND, "--db", review_db).exit_code == 0
    messages = handler.messages()
    _, html = _parts(messages["x1@client.test"])
    assert "Dear &lt;b&gt;x&lt;/b&gt;," in html and HOSTILE not in html
    _, ben_html = _parts(messages["ben@client.test"])
    assert "&lt;b&gt;x&lt;/b&gt;</a>" in ben_html and HOSTILE not in ben_html
    assert messages["x1@client.test"]["To"].addresses[0].display_name == HOSTILE


@pytest.mark.integration
def test_only_an_open_wave_sends(review_db: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    wave = ("--review", REVIEW, "--wave", "baseline", "--db", review_db)
    assert invoke(port, "wave", "close", *wave).exit_code == 0
    before = _hashes(review_db)
    closed = invoke(port, *SEND, "--db", review_db)
    error = failure(closed, WaveClosed)
    assert closed.exit_code != 0 and "is closed" in error.message
    assert "--reopen" in (error.hint or "")
    error = failure(invoke(port, "invitations", "remind", *wave), WaveClosed)

    draft = ("--review", REVIEW, "--wave", "follow-up", "--db", review_db)
    assert invoke(port, "wave", "create", *draft).exit_code == 0
    error = failure(invoke(port, *SEND, "--wave", "follow-up", "--db", review_db), Conflict)
    assert "still a draft" in error.message and "colead wave open" in (error.hint or "")
    assert handler.envelopes == [] and _hashes(review_db) == before


@pytest.mark.integration
def test_a_dry_run_sends_and_changes_nothing(review_db: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    before = _hashes(review_db)
    result = invoke(port, *SEND, "--dry-run", "--db", review_db)
    assert result.exit_code == 0, result.output
    assert "Dry run: 4 invitation(s)" in result.output
    assert "Ben Client <ben@client.test>: 2 form(s)" in result.output
    assert "Nothing was sent" in result.output and "No Mail" in result.output
    assert handler.envelopes == []
    assert _hashes(review_db) == before
    assert _audit(review_db, "send_invitations") == []


def test_mail_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert (defaults.smtp_host, defaults.smtp_port, defaults.smtp_tls) == ("127.0.0.1", 25, "none")
    assert defaults.smtp_username is None and defaults.mail_from == "colead@localhost"
    monkeypatch.setenv("COLEAD_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("COLEAD_SMTP_PORT", "587")
    monkeypatch.setenv("COLEAD_SMTP_TLS", "STARTTLS")
    monkeypatch.setenv("COLEAD_SMTP_USERNAME", "colead")
    monkeypatch.setenv("COLEAD_SMTP_PASSWORD", "secret")
    monkeypatch.setenv("COLEAD_MAIL_FROM", SENDER)
    settings = load_settings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "mail.example.org", 587, "starttls"
    )  # fmt: skip
    assert (settings.smtp_username, settings.smtp_password) == ("colead", "secret")
    assert settings.mail_from == SENDER
    monkeypatch.setenv("COLEAD_SMTP_TLS", "tls1.0")
    with pytest.raises(ConfigurationError, match="smtp_tls"):
        load_settings()
    monkeypatch.setenv("COLEAD_SMTP_TLS", "ssl")
    monkeypatch.setenv("COLEAD_MAIL_FROM", "not an address")
    with pytest.raises(ConfigurationError, match="mail_from"):
        load_settings()
