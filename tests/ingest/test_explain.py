"""`--explain`: how each column of a file would be read, and a draft mapping to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from builders import default_framework
from colead.ingest.explain import explain_file
from colead.ingest.mapping import load_mapping

DATA = Path(__file__).parent / "data" / "tools"
FW = default_framework()


def test_a_survey_export_is_explained_and_its_draft_is_a_valid_mapping(tmp_path: Path) -> None:
    explanation = explain_file(DATA / "surveymonkey.csv", "responses", FW)
    assert (explanation.layout, explanation.rows) == ("surveymonkey", 72)
    read = {c.column: (c.read_as, c.how) for c in explanation.columns}
    assert read["Name of the person you are rating"][0] == "ratee_id"
    assert read["Your relationship to this person"][0] == "relation"
    items = [c for c in explanation.columns if c.read_as in FW.item_ids]
    # 50 person items asked twice (observer and self wording) and 34 site items once
    assert len(items) == 134 and {c.read_as for c in items} == set(FW.item_ids)
    assert explanation.unknown_labels == {}
    draft = tmp_path / "draft.yaml"
    draft.write_text(explanation.draft, encoding="utf-8")
    mapping = load_mapping(draft)
    assert len(mapping.items) == 134 and mapping.columns["Your relationship to this person"] == (
        "relation"
    )


def test_unknown_labels_are_listed_for_the_draft(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    pd.DataFrame(
        {
            "ratee_id": ["A", "B", "C"],
            "rater_id": ["B", "C", "A"],
            "relation": ["Buddy", "Peer", "Mentor"],
            FW.item_ids[0]: ["Strongly agree", "4", "Often"],
            "Q99": ["x", "y", "z"],
        }
    ).to_csv(path, index=False)
    explanation = explain_file(path, "responses", FW)
    assert explanation.unknown_labels == {
        "values": ("Strongly agree",),
        "relations": ("Buddy", "Mentor"),
    }
    assert ("Q99", None) in {(c.column, c.read_as) for c in explanation.columns}
    assert '  # "Strongly agree": ?' in explanation.draft
    assert '  # "Buddy": ?' in explanation.draft
    assert '  # "Q99": ?' in explanation.draft
    draft = tmp_path / "draft.yaml"
    draft.write_text(explanation.draft.replace('# "Buddy": ?', '"Buddy": peer'), encoding="utf-8")
    assert load_mapping(draft).relations == {"Buddy": "peer"}


def test_an_hr_roster_is_explained_column_by_column(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    shutil.copy(DATA / "hr-roster.csv", path)
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig").assign(**{"Cost centre": "CC1"})
    frame.loc[0, "Grade"] = "Principal"
    frame.to_csv(path, index=False)
    explanation = explain_file(path, "people", FW)
    read = {c.column: (c.read_as, c.how) for c in explanation.columns}
    assert read["Work email"] == ("email", "known synonym")
    assert read["Grade"] == ("level", "known synonym")
    assert read["Cost centre"] == (None, "not read")
    assert explanation.unknown_labels == {"levels": ("Principal",)}
    assert '  # "Principal": ?' in explanation.draft


def test_tool_columns_copied_to_canonical_ones_say_so() -> None:
    explanation = explain_file(DATA / "msforms-by-name.xlsx", "responses", FW)
    how = {c.column: c.how for c in explanation.columns}
    assert how["Email"] == "survey tool column, read as rater_email"
    assert how["ID"] == "survey tool column"
    assert "read as" in how["Completion time"] or "read as" in how["Last modified time"]


def test_a_long_table_is_explained_by_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "Ratee,Rater,Relationship,Item,Score,Notes\nA,B,peer,model_1,4,x\n", encoding="utf-8"
    )
    explanation = explain_file(path, "responses", FW)
    read = {c.column: c.read_as for c in explanation.columns}
    assert explanation.layout == "long"
    assert read == {
        "Ratee": "ratee_id",
        "Rater": "rater_id",
        "Relationship": "relation",
        "Item": "item_id",
        "Score": "value",
        "Notes": None,
    }
