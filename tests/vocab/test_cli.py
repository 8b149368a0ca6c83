"""``colead vocab``: the JSON shape of the issue, Table 1 and concordance CSVs, sections,
per-file errors with exit code 2 and output still printed, and clear option errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from colead.cli import app
from colead.errors import ConfigurationError, InvalidData
from colead.vocab.records import CONCORDANCE_COLUMNS
from vocab import documents as docs

PAPER = (
    Path(__file__).parents[1]
    / "reference"
    / "vocab"
    / ("collaborative-leadership-discussion-paper.txt")
)
runner = CliRunner()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    text = tmp_path / "guide.md"
    text.write_bytes(docs.markdown())
    word = tmp_path / "guide.docx"
    word.write_bytes(docs.docx_bytes())
    return text, word


def test_json_has_exactly_the_issues_shape(tmp_path: Path) -> None:
    text, word = _files(tmp_path)
    result = runner.invoke(app, ["vocab", str(text), str(word), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert set(record) == {"documents", "overall", "method", "errors"}
    assert record["method"] == "rules"
    assert record["errors"] == []
    first = record["documents"][0]
    assert set(first) == {"file", "words", "families", "proportions"}
    assert first["file"] == str(text)
    assert set(first["families"]["lead"]) == {"count", "nouns", "verbs", "adjectives", "forms"}
    assert first["families"]["lead"]["count"] == 6
    assert set(record["overall"]) == {"families", "proportions"}
    assert record["overall"]["families"]["manage"]["count"] == 8
    assert record["overall"]["proportions"] == {"lead": 12 / 20, "manage": 8 / 20}


def test_the_paper_through_the_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["vocab", str(PAPER), "--json"])
    families = json.loads(result.stdout)["overall"]["families"]
    assert (families["lead"]["count"], families["manage"]["count"]) == (67, 29)


def test_csv_is_the_table_1_layout(tmp_path: Path) -> None:
    text, word = _files(tmp_path)
    out = tmp_path / "table1.csv"
    result = runner.invoke(app, ["vocab", str(text), str(word), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["word_count", str(text), str(word), "overall", "proportion"]
    assert rows[1] == ["“Lead” overall", "6", "6", "12", "60%"]
    assert rows[2] == ["“Manage” overall", "4", "4", "8", "40%"]
    assert rows[3] == ["“Lead” nouns (roles)", "4", "4", "8", "67%"]
    assert len(rows) == 3 + 2 * 3


def test_concordance_lists_every_hit_with_its_place(tmp_path: Path) -> None:
    text, _ = _files(tmp_path)
    out = tmp_path / "kwic.csv"
    result = runner.invoke(app, ["vocab", str(text), "--concordance", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == CONCORDANCE_COLUMNS
    assert len(rows) == 10
    managed = [r for r in rows if r["keyword"] == "managed"]
    assert managed[0]["section"] == "5.2 Roles"
    assert managed[0]["left_context"].endswith("The relationship is ")
    assert managed[0]["right_context"].startswith(" by both partners")
    assert [r["part_of_speech"] for r in managed] == ["verb", "adjective"]
    assert {r["method"] for r in rows} == {"rules", "form"}
    assert managed[0]["line"] and not managed[0]["page"]


def test_the_concordance_quotes_formulas_as_text(tmp_path: Path) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("=1+1 leaders lead.\n", encoding="utf-8")
    second.write_text("@SUM(A1) managers manage.\n", encoding="utf-8")
    out = tmp_path / "kwic.csv"
    result = runner.invoke(app, ["vocab", str(first), str(second), "--concordance", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    lefts = {r["keyword"]: r["left_context"] for r in rows}
    assert lefts["leaders"] == "'=1+1 " and lefts["managers"] == "'@SUM(A1) "
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_by_section_counts_each_heading(tmp_path: Path) -> None:
    text, _ = _files(tmp_path)
    result = runner.invoke(app, ["vocab", str(text), "--by-section", "--json"])
    sections = json.loads(result.stdout)["documents"][0]["sections"]
    assert [(s["section"], s["families"]["manage"]["count"]) for s in sections] == [
        ("5.1 Leadership", 1),
        ("5.2 Roles", 3),
    ]
    table = runner.invoke(app, ["vocab", str(text), "--by-section"])
    assert "5.2 Roles" in table.stdout and "by section" in table.stdout


def test_failed_files_are_named_the_rest_printed_and_the_exit_code_is_2(
    tmp_path: Path,
) -> None:
    text, _ = _files(tmp_path)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(docs.scanned_pdf())
    result = runner.invoke(app, ["vocab", str(text), str(scan), str(tmp_path / "gone.txt")])
    assert result.exit_code == InvalidData.exit_code == 2
    assert "“Lead” overall" in result.stdout
    assert "no text layer" in result.stderr and "gone.txt: no such file" in result.stderr
    as_json = runner.invoke(app, ["vocab", str(text), str(scan), "--json"])
    assert as_json.exit_code == 2
    record = json.loads(as_json.stdout)
    assert [e["file"] for e in record["errors"]] == [str(scan)]
    assert len(record["documents"]) == 1


def test_role_only_guidance_is_printed(tmp_path: Path) -> None:
    text, _ = _files(tmp_path)
    result = runner.invoke(app, ["vocab", str(text)])
    assert "3 sentences put an obligation on a role" in result.stdout
    assert "(Senior leaders should)" in result.stdout


def test_a_malformed_families_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    text, _ = _files(tmp_path)
    bad = tmp_path / "families.yaml"
    bad.write_text("families:\n  lead:\n    nouns: [a b]\n", encoding="utf-8")
    result = runner.invoke(app, ["vocab", str(text), "--families", str(bad)])
    assert isinstance(result.exception, InvalidData)
    assert f"{bad}, line 3" in result.exception.message


@pytest.mark.parametrize("nlp", ["spacy:xx_no_such_model_for_colead", "magic"])
def test_an_unusable_nlp_option_is_a_clear_error(tmp_path: Path, nlp: str) -> None:
    text, _ = _files(tmp_path)
    result = runner.invoke(app, ["vocab", str(text), "--nlp", nlp])
    assert isinstance(result.exception, ConfigurationError)
    assert result.exception.hint


def test_json_and_csv_together_are_refused(tmp_path: Path) -> None:
    text, _ = _files(tmp_path)
    result = runner.invoke(app, ["vocab", str(text), "--json", "--csv", str(tmp_path / "t.csv")])
    assert isinstance(result.exception, InvalidData)
