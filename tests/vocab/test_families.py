"""Word families from YAML: the default, a custom file, and clear errors with the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from colead.errors import InvalidData
from colead.vocab import analyse_uploads, load_families
from colead.vocab.families import parse_families


def test_the_default_families_hold_the_issues_forms() -> None:
    families = load_families()
    lead, manage = families.families
    assert set(lead.forms) == {
        "lead", "leads", "leading", "led", "leader", "leaders", "leadership", "leaderships"
    }  # fmt: skip
    assert set(manage.forms) == {
        "manage", "manages", "managing", "managed", "manager", "managers", "management",
        "managements", "managerial",
    }  # fmt: skip
    assert lead.also_nouns == {"lead", "leads"}


def test_a_custom_family_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "families.yaml"
    path.write_text(
        "families:\n  govern:\n    nouns: [governance]\n    verb_forms: [govern, governs]\n",
        encoding="utf-8",
    )
    report = analyse_uploads(
        [("g.txt", b"Boards govern. Governance matters; the board governs it.")],
        load_families(path),
    )
    count = report.documents[0].families["govern"]
    assert (count.count, count.nouns, count.verbs) == (3, 1, 2)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("families:\n  lead:\n    nouns: [leader\n", 4, "not valid YAML"),
        ("families:\n  lead:\n    nouns: leader\n", 3, "must be a list"),
        ("families:\n  lead:\n    verbs: [lead]\n", 3, "unknown key 'verbs'"),
        ("families:\n  lead:\n    nouns: [team leader]\n", 3, "not a single word"),
        ("families:\n  a:\n    nouns: [x]\n  b:\n    nouns: [x]\n", 5, "both 'a' and 'b'"),
        ("families:\n  a:\n    nouns: [x]\n    also_nouns: [y]\n", 3, "also_nouns"),
        ("just text\n", 1, "'families' key"),
    ],
)
def test_a_malformed_family_file_names_the_file_and_line(
    text: str, line: int, fragment: str
) -> None:
    with pytest.raises(InvalidData) as caught:
        parse_families(text, "my-families.yaml")
    assert caught.value.message.startswith(f"my-families.yaml, line {line}")
    assert fragment in caught.value.message
    assert caught.value.hint


def test_a_missing_family_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidData, match="not found"):
        load_families(tmp_path / "nope.yaml")
