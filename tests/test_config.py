"""Secrets and defaults of the settings: what production refuses, and what is never shown."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from colead.cli import app as cli_app
from colead.config import Settings, check_production, load_settings, shown_url
from colead.errors import ConfigurationError
from colead.mail.smtp import MailServer
from colead.web.admin.sessions import MIN_SECRET_LENGTH, secret_key
from colead.web.app import create_app

#: production settings that pass every check; each test spoils one of them
GOOD = {
    "env": "production",
    "secret_key": "k" * 48,
    "public_url": "https://survey.example.org",
    "mail_from": "Leadership review <colead@example.org>",
}
SMTP_SECRET = "smtp-Pa55word-never-shown"
DB_SECRET = "db-Pa55word-never-shown"


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "   ",
        "change-me",
        "CHANGE-ME",
        " changeme ",
        "secret",
        "k" * (MIN_SECRET_LENGTH - 1),
    ],
)
def test_production_refuses_a_missing_placeholder_or_short_secret_key(secret: str | None) -> None:
    settings = load_settings(**{**GOOD, "secret_key": secret})
    with pytest.raises(ConfigurationError, match="COLEAD_SECRET_KEY") as refused:
        secret_key(settings)
    assert "at least 32 characters" in (refused.value.hint or "")


def test_production_takes_a_long_secret_and_development_makes_one() -> None:
    assert secret_key(load_settings(**GOOD)) == "k" * 48
    made = secret_key(load_settings(secret_key=None))
    assert len(made) >= MIN_SECRET_LENGTH
    assert made != secret_key(load_settings(secret_key=None))


@pytest.mark.parametrize(
    "public_url",
    [
        None,  # the default, http://127.0.0.1:8000
        "http://localhost:8000",
        "https://LOCALHOST",
        "http://127.0.0.2",
        "http://[::1]:8000",
        "http://0.0.0.0:8000",
        "http://survey.localhost",
    ],
)
def test_production_refuses_an_address_only_this_machine_can_open(public_url: str | None) -> None:
    settings = load_settings(**{**GOOD, "public_url": public_url})
    with pytest.raises(ConfigurationError, match="COLEAD_PUBLIC_URL") as refused:
        check_production(settings)
    assert "https://survey.example.org" in (refused.value.hint or "")


@pytest.mark.parametrize(
    "mail_from", [None, "colead@LocalHost", "Review <review@localhost>", "x@127.0.0.1"]
)
def test_production_refuses_a_localhost_sender(mail_from: str | None) -> None:
    settings = load_settings(**{**GOOD, "mail_from": mail_from})
    with pytest.raises(ConfigurationError, match="COLEAD_MAIL_FROM"):
        check_production(settings)


def test_every_outlet_applies_the_production_checks(tmp_path: object) -> None:
    check_production(load_settings(**GOOD))
    check_production(load_settings())  # development keeps its local defaults
    MailServer.from_settings(load_settings())
    local = load_settings(**{**GOOD, "public_url": None, "database_url": "sqlite:///x.db"})
    # the web app and every mail path (invitations, reminders, letters) refuse it
    with pytest.raises(ConfigurationError, match="COLEAD_PUBLIC_URL"):
        create_app(local)
    with pytest.raises(ConfigurationError, match="COLEAD_PUBLIC_URL"):
        MailServer.from_settings(local)
    with pytest.raises(ConfigurationError, match="COLEAD_MAIL_FROM"):
        MailServer.from_settings(load_settings(**{**GOOD, "mail_from": None}))


def test_env_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLEAD_ENV", " Production ")
    monkeypatch.setenv("COLEAD_SMTP_PASSWORD", SMTP_SECRET)
    settings = load_settings()
    assert settings.env == "production"
    assert settings.smtp_password == SMTP_SECRET
    with pytest.raises(ConfigurationError):
        check_production(settings)


def test_no_secret_appears_in_the_settings_or_mail_server_repr() -> None:
    settings = load_settings(
        **GOOD,
        smtp_username="mailer",
        smtp_password=SMTP_SECRET,
        database_url=f"postgresql+psycopg://colead:{DB_SECRET}@db.example.org:5432/colead",
    )
    server = MailServer.from_settings(settings)
    assert server.password == SMTP_SECRET  # still there to log in with
    shown = " ".join([repr(settings), str(settings), repr(server), str(server)])
    for secret in (SMTP_SECRET, DB_SECRET, "k" * 48):
        assert secret not in shown
    assert "colead:***@db.example.org:5432/colead" in shown


def test_no_command_takes_a_secret_on_its_command_line() -> None:
    """Arguments end up in shell history and in every user's process list; a password is
    read from the environment (SMTP) or from a file or a prompt (admin accounts)."""
    found: list[str] = []

    def walk(command: Any, path: str) -> None:
        for param in command.params:
            for flag in getattr(param, "opts", []):
                if any(word in flag.lower() for word in ("password", "secret", "token")):
                    found.append(f"{path} {flag}")
        # typer's groups are not click.Group instances: look for their sub-commands
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(cli_app), "colead")
    assert found and all(
        flag.endswith(("--password-file", "--reset-password")) for flag in found
    ), found


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:p%40ss@h:5432/db", "postgresql+psycopg://u:***@h:5432/db"),
        ("postgresql://u:pa@ss@h/db?x=1", "postgresql://u:***@h/db?x=1"),
        (
            "postgresql://u@h/db?sslmode=require&password=zz",
            "postgresql://u@h/db?sslmode=require&password=***",
        ),
        ("postgres ql://u:secret@h", "postgres ql://u:***@h"),  # malformed, still hidden
        ("sqlite:///data/colead.db", "sqlite:///data/colead.db"),
        ("postgresql://u@h:5432/db", "postgresql://u@h:5432/db"),
    ],
)
def test_shown_url_hides_any_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_the_anonymity_minimum_cannot_be_lowered_by_any_setting() -> None:
    for value in (2, 1, 0, -3):
        with pytest.raises(ConfigurationError, match="anonymity_minimum"):
            load_settings(anonymity_minimum=value)
    assert Settings(anonymity_minimum=5).anonymity_minimum == 5
