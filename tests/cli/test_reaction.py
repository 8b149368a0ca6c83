"""`colead programme reaction send|remind|status|summary`, with a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import Result
from typer.testing import CliRunner

from colead.cli import app
from colead.development.reactions import ITEMS, record_reactions_bulk
from colead.errors import NotFound
from colead.store import init_database
from development.test_reactions import (
    BASE,
    PROGRAMME,
    REVIEW,
    SENDER,
    session_on,
    store_reaction_programme,
)
from mail.test_smtp import Collector, free_port

pytestmark = pytest.mark.integration

TARGET = ("--review", REVIEW, "--name", PROGRAMME)


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    init_database(database_url)
    return store_reaction_programme(database_url, tmp_path / "data")


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


def invoke(url: str, port: int, *args: str) -> Result:
    env = {
        "COLEAD_SMTP_HOST": "127.0.0.1",
        "COLEAD_SMTP_PORT": str(port),
        "COLEAD_SMTP_TLS": "none",
        "COLEAD_MAIL_FROM": SENDER,
        "COLEAD_ANONYMITY_MINIMUM": "3",
    }
    return CliRunner().invoke(app, ["programme", "reaction", *args, "--db", url], env=env)


def test_send_remind_and_status(url: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    dry = invoke(url, port, "send", *TARGET, "--base-url", BASE, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 4 invitation(s)" in dry.output and handler.envelopes == []
    sent = invoke(url, port, "send", *TARGET, "--base-url", BASE, "--to", "all")
    assert sent.exit_code == 0, sent.output
    assert f"Sent 6 invitation(s) for programme {PROGRAMME!r}." in sent.output
    assert "Skipped 1 person(s) without an e-mail address:\n  P3" in sent.output
    assert len(handler.envelopes) == 6
    again = invoke(url, port, "send", *TARGET, "--base-url", BASE)
    assert "Sent 0 invitation(s)" in again.output and "4 person(s) invited earlier" in again.output
    reminded = invoke(url, port, "remind", *TARGET, "--base-url", BASE)
    assert reminded.exit_code == 0 and "Sent 6 reminder(s)" in reminded.output
    status = invoke(url, port, "status", *TARGET)
    assert status.exit_code == 0, status.output
    assert "7 enrolled, 5 completed, 6 invited, 0 answered" in status.output


def test_a_refused_message_exits_1(url: str, smtp: tuple[Collector, int]) -> None:
    handler, port = smtp
    handler.refuse.add("ben@client.test")
    result = invoke(url, port, "send", *TARGET, "--base-url", BASE)
    assert result.exit_code == 1
    assert "1 message(s) refused" in result.output and "C2 <ben@client.test>" in result.output


def test_summary_is_withheld_below_the_minimum_then_shown(
    url: str, smtp: tuple[Collector, int]
) -> None:
    _, port = smtp
    answers = {p: {item.id: 4 for item in ITEMS} for p in ("C1", "C2")}
    with session_on(url) as session:
        record_reactions_bulk(session, REVIEW, PROGRAMME, answers, actor="t",
                              comments_by_person={"C1": "Hidden for now."}, minimum=3)  # fmt: skip
    withheld = invoke(url, port, "summary", *TARGET)
    assert withheld.exit_code == 0, withheld.output
    assert "2 of 7 enrolled answered" in withheld.output
    assert "Results are shown from 3 answers" in withheld.output
    assert "Hidden for now." not in withheld.output
    with session_on(url) as session:
        record_reactions_bulk(
            session, REVIEW, PROGRAMME, {"S1": {item.id: 2 for item in ITEMS}}, actor="t", minimum=3
        )
    shown = invoke(url, port, "summary", *TARGET)
    assert shown.exit_code == 0, shown.output
    # every item: 4, 4, 2 -> mean 3.33, SD 1.15, favourable 67 %
    assert "3.33" in shown.output and "1.15" in shown.output and "67%" in shown.output
    assert "- Hidden for now." in shown.output


def test_an_unknown_programme_is_a_clear_error(url: str, smtp: tuple[Collector, int]) -> None:
    result = invoke(url, smtp[1], "status", "--review", REVIEW, "--name", "Nope")
    # ``colead.cli.main`` turns the domain error into its exit code and message
    assert isinstance(result.exception, NotFound)
    assert result.exception.exit_code == 5
    assert "No programme named 'Nope'" in str(result.exception)
    assert "Known programmes: Leading together" in str(result.exception)
