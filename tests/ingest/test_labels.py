"""Relation and level labels as survey tools and HR systems write them."""

from __future__ import annotations

import pytest

from colead.errors import InvalidData
from colead.ingest.labels import LEVEL_SYNONYMS, RELATION_SYNONYMS, LabelReader, label_key


def test_label_key_ignores_case_accents_punctuation_and_spaces() -> None:
    assert label_key("  Line-Manager ") == "line manager"
    assert label_key("Partner  Organisation") == "partner organisation"
    assert label_key("Peer (same organisation)") == "peer (same organisation)"
    assert label_key("Équipe") == "equipe"


@pytest.mark.parametrize(
    ("label", "relation"),
    [
        ("Line manager", "manager"),
        ("line_manager", "manager"),
        ("Manager", "manager"),
        ("Direct report", "direct_report"),
        ("direct_report", "direct_report"),
        ("I report to this person", "direct_report"),
        ("Partner organisation", "partner"),
        ("Partner Organization", "partner"),
        ("Peer (same organisation)", "peer"),
        ("Colleague", "peer"),
        ("This is my self-assessment", "self"),
        ("Self", "self"),
        ("Peers", "peer"),  # colead's own display labels read back
        ("Direct reports", "direct_report"),
        ("Others", "other"),
    ],
)
def test_relation_labels(label: str, relation: str) -> None:
    assert LabelReader().relation(label) == relation


def test_every_synonym_reads_as_its_own_relation_and_level() -> None:
    reader = LabelReader()
    for relation, words in RELATION_SYNONYMS.items():
        assert {reader.relation(w) for w in words} == {relation.value}, relation
    for level, words in LEVEL_SYNONYMS.items():
        assert {reader.level(w) for w in words} == {level}, level


@pytest.mark.parametrize(
    ("label", "level"),
    [
        ("Director", 1),
        ("Executive", 1),
        ("Senior Manager", 2),
        ("Manager", 3),
        ("Team Leader", 4),
        ("team lead", 4),
        ("Front line", 5),
        ("Frontline", 5),
        ("3", 3),
        ("3.0", 3),
        (4, 4),
        (2.0, 2),
        ("Level 2", 2),
        ("Grade 5", 5),
        ("L1", 1),
    ],
)
def test_level_labels(label: object, level: int) -> None:
    assert LabelReader().level(label) == level


@pytest.mark.parametrize("label", ["7", "0", "2.5", "Intern", "", "Level 6", True])
def test_unknown_levels_are_none(label: object) -> None:
    assert LabelReader().level(label) is None


def test_mapping_sections_come_first_and_are_validated() -> None:
    reader = LabelReader(
        {"Internal customer": "other", "Supervisor": "Line manager"},
        {"Supervisor": 3, "Principal": "Senior manager"},
    )
    assert reader.relation("internal  customer") == "other"
    assert reader.relation("supervisor") == "manager"
    assert reader.level("Supervisor") == 3  # the built-in list says 4; the mapping wins
    assert reader.level("principal") == 2
    with pytest.raises(InvalidData, match="not a relation"):
        LabelReader({"Buddy": "friend"})
    with pytest.raises(InvalidData, match="not a level"):
        LabelReader(levels={"Intern": 6})


def test_choices_name_every_relation_and_level() -> None:
    relations = LabelReader.relation_choices()
    for name in ("self", "manager", "peer", "direct_report", "partner", "other"):
        assert name in relations
    assert (
        "'Line manager'" in relations and "5 'Front line' (Operative" in LabelReader.level_choices()
    )
