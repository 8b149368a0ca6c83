"""``colead programme``: the commands print what changed and turn mistakes into exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import people_frame
from colead.cli import app
from colead.errors import ColeadError
from colead.ingest.importing import import_file

pytestmark = pytest.mark.integration

REVIEW = "Facilities"


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    people_frame().to_csv(tmp_path / "people.csv", index=False)
    assert import_file(database_url, "people", tmp_path / "people.csv", review=REVIEW).rejected == 0
    return database_url


def _cli(url: str, *args: str) -> tuple[int, str]:
    """Exit code and output; a domain error gives its exit code and message, as
    ``colead.cli.main`` does."""
    result = CliRunner().invoke(app, ["programme", *args, "--review", REVIEW, "--db", url])
    if isinstance(result.exception, ColeadError):
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.output


def test_the_programme_commands_from_creation_to_completion(url: str) -> None:
    code, text = _cli(url, "list")
    assert code == 0 and "No programmes" in text
    code, text = _cli(
        url, "create", "--name", "Leading together", "--provider", "Academy",
        "--start", "2025-01-10", "--end", "2025-06-30",
        "--cost-per-participant", "1500", "--other-costs", "4000",
    )  # fmt: skip
    assert code == 0 and "Created programme 'Leading together'" in text
    name = ("--name", "Leading together")
    code, text = _cli(url, "enrol", *name, "--person", "C2", "--person", "S2")
    assert code == 0 and "Enrolled 2" in text
    code, text = _cli(url, "enrol", *name, "--person", "S2", "--person", "S1")
    assert code == 0 and "Enrolled 1" in text and "Already enrolled: S2" in text
    code, text = _cli(url, "attendance", *name, "--person", "C2", "--attended", "5", "--of", "6")
    assert code == 0 and "C2 attended 5 of 6 sessions" in text
    code, text = _cli(url, "complete", *name, "--person", "C2", "--person", "S2")
    assert code == 0 and "Marked 2 of 2 as completed" in text
    code, text = _cli(url, "complete", *name, "--person", "S2", "--undo")
    assert code == 0 and "Marked 1 of 1 as not completed" in text
    code, text = _cli(url, "show", *name)
    assert code == 0
    for expected in (
        "Academy", "2025-01-10 to 2025-06-30", "Enrolled", "1 (33%)",
        "5 of 6 sessions (83%), recorded for 1 of 3", "8,500.00", "Ben Client",
    ):  # fmt: skip
        assert expected in text, expected
    code, text = _cli(url, "list")
    assert code == 0 and "Leading together" in text and "8,500.00" in text


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("create", "--name", "P", "--start", "2025-13-01"), 2, "is not a date"),
        (("create", "--name", "P", "--start", "2025-05-01", "--end", "2025-01-01"), 2, "ends"),
        (("create", "--name", "P", "--cost-per-participant", "-5"), 2, "negative"),
        (("create", "--name", "P", "--other-costs", "-1"), 2, "negative"),
        (("enrol", "--name", "Nope", "--person", "C1"), 5, "No programme named 'Nope'"),
        (("show", "--name", "Nope"), 5, "No programme named"),
    ],
)
def test_mistakes_give_a_message_and_an_exit_code(
    url: str, args: tuple[str, ...], exit_code: int, message: str
) -> None:
    code, text = _cli(url, *args)
    assert code == exit_code and message in text


def test_unknown_people_and_duplicate_names_are_refused(url: str) -> None:
    assert _cli(url, "create", "--name", "P")[0] == 0
    code, text = _cli(url, "create", "--name", "P")
    assert code == 6 and "already has a programme" in text
    code, text = _cli(url, "enrol", "--name", "P", "--person", "Z1")
    assert code == 5 and "Z1" in text
    code, text = _cli(url, "attendance", "--name", "P", "--person", "C1", "--attended", "1")
    assert code == 5 and "not enrolled" in text
