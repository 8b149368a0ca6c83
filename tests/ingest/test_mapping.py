"""Mapping files as users write them: number keys, empty sections, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from colead.errors import InvalidData
from colead.ingest.mapping import load_mapping


def test_number_keys_are_the_text_they_spell(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("values:\n  6: not observed\n  7.0: not observed\n  Always: 5\n")
    assert load_mapping(path).values == {"6": "not observed", "7": "not observed", "Always": 5}


def test_sections_left_with_comments_only_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("columns:\n  # Custom Data 1: ratee_id\nitems:\nlevels:\n  Principal: 2\n")
    mapping = load_mapping(path)
    assert (mapping.columns, mapping.items, mapping.levels) == ({}, {}, {"Principal": 2})


def test_a_yes_or_no_key_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("values:\n  No: not observed\n")
    with pytest.raises(InvalidData) as refused:
        load_mapping(path)
    assert "values" in refused.value.message and "'No'" in refused.value.hint


def test_an_unknown_section_names_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("relationships:\n  Boss: manager\n")
    with pytest.raises(InvalidData) as refused:
        load_mapping(path)
    assert "relations" in refused.value.hint and "levels" in refused.value.hint
