"""No password of the settings ever reaches a terminal: every command's output is scanned.

The commands run through the CLI's entry point (``colead.cli.main``, which turns errors into
messages) with a database URL and an SMTP password that carry a recognisable secret, and
everything written to the process's stdout and stderr (logs and child programs included)
is scanned. Working, unreachable and malformed URLs are tried, since error messages are
where URLs are most often echoed back. (In-process rather than one process per command:
the same code path, a fraction of the start-up time.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from colead.cli import main
from reliability.databases import sibling_database

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

DB_SECRET = "Db-Secret-9f3a1c"
SMTP_SECRET = "Smtp-Secret-77d2e0"
SECRET_KEY = "Session-Secret-" + "x" * 40
#: settings every command gets: secrets a careless message or log line would show
SECRET_ENV = {
    "COLEAD_SMTP_USERNAME": "mailer",
    "COLEAD_SMTP_PASSWORD": SMTP_SECRET,
    "COLEAD_SECRET_KEY": SECRET_KEY,
}


class Terminal:
    """Runs ``colead`` commands in this process and checks what they print."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]):
        self._patch = monkeypatch
        self._capfd = capfd

    def run(self, *args: str, env: dict[str, str] | None = None) -> str:
        with self._patch.context() as patch:
            for name in [n for n in os.environ if n.startswith("COLEAD_")]:
                patch.delenv(name)
            for name, value in {**SECRET_ENV, **(env or {})}.items():
                patch.setenv(name, value)
            patch.setattr("sys.argv", ["colead", *args])
            with pytest.raises(SystemExit):
                main()
        captured = self._capfd.readouterr()
        output = captured.out + captured.err
        for secret in (DB_SECRET, SMTP_SECRET, SECRET_KEY):
            assert secret not in output, (args, output)
        assert "Traceback" not in output, (args, output)
        return output


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> Terminal:
    return Terminal(monkeypatch, capfd)


def test_unreachable_and_malformed_urls_are_reported_without_their_password(
    terminal: Terminal, tmp_path: Path
) -> None:
    unreachable = f"postgresql+psycopg://colead:{DB_SECRET}@127.0.0.1:1/colead"
    for url in (
        unreachable,
        f"postgres ql://colead:{DB_SECRET}@127.0.0.1/colead",  # not a URL SQLAlchemy parses
        f"postgresql+psycopg://colead@127.0.0.1:1/colead?password={DB_SECRET}",
    ):
        for args in (("init", "--db", url), ("backup", str(tmp_path / "b.dump"), "--db", url)):
            output = terminal.run(*args)
            assert "Error:" in output and "***" in output, output
    # the same URL from the environment
    output = terminal.run("admin", "list", env={"COLEAD_DATABASE_URL": unreachable})
    assert "colead:***@127.0.0.1:1/colead" in output


@pytest.fixture(scope="module")
def secret_postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new PostgreSQL database, its URL carrying a password (the test server trusts
    local connections, so the password is sent but not needed)."""
    server = os.environ.get("COLEAD_TEST_DATABASE_URL")
    if not server:  # in CI conftest makes the variable required, so this never skips there
        pytest.skip("COLEAD_TEST_DATABASE_URL names no PostgreSQL server")
    with sibling_database(server, tmp_path_factory.mktemp("secrets")) as url:
        yield make_url(url).set(password=DB_SECRET).render_as_string(hide_password=False)


def test_commands_on_a_database_with_a_password_never_print_it(
    terminal: Terminal, secret_postgres_url: str, tmp_path: Path
) -> None:
    url = secret_postgres_url
    created = terminal.run("init", "--db", url)
    assert "Created the colead schema" in created and ":***@" in created
    assert "is up to date" in terminal.run("init", env={"COLEAD_DATABASE_URL": url})
    for args in (
        ("admin", "list", "--db", url),
        ("wave", "list", "--review", "No such review", "--db", url),
        ("export", "responses", str(tmp_path / "r.csv"), "--review", "Nope", "--db", url),
        ("backup", str(tmp_path / "colead.dump"), "--db", url),
        ("reminders", "run", "--db", url),
    ):
        terminal.run(*args)
    assert DB_SECRET.encode() not in (tmp_path / "colead.dump").read_bytes()
