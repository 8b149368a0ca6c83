"""The sample 360 exports of tests/ingest/data/tools/ read back as the truth they encode.

Every file holds the same 72 forms of one small review in a survey tool's layout
(tests/ingest/data/tools/README.md). Each is read with the project's reader and
:func:`read_survey_export` without a mapping, turned into answer codes, and compared with
truth.csv cell by cell: the ratee and rater references as the file gives them (id, full
name or e-mail; resolving them to people is a later step), the relation label as the tool
wrote it, every item code and both comments.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colead.domain import BLANK, NOT_OBSERVED
from colead.framework import load_framework
from colead.ingest.mapping import Mapping, load_mapping
from colead.ingest.problems import RowNumbers
from colead.ingest.reader import read_file
from colead.ingest.response_tables import wide_to_codes
from colead.ingest.survey_tools import SurveyTable, detect_format, read_survey_export

TOOLS = Path(__file__).parent / "data" / "tools"
FW = load_framework()
ITEM_INDEX = {item_id: n for n, item_id in enumerate(FW.item_ids)}
COMMENTS = ("comment_strengths", "comment_suggestions")


def _rows(name: str) -> list[dict[str, str]]:
    with (TOOLS / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


PEOPLE = {row["person_id"]: row for row in _rows("people.csv")}
ID_OF_NAME = {row["name"]: pid for pid, row in PEOPLE.items()}
ID_OF_EMAIL = {row["email"]: pid for pid, row in PEOPLE.items()}
RELATION_LABELS = {row["relation"]: row for row in _rows("relation-labels.csv")}

Key = tuple[str, str]  # (ratee id, rater id)


@dataclass(frozen=True)
class Truth:
    codes: dict[Key, np.ndarray]
    relation: dict[Key, str]
    comments: dict[Key, tuple[str | None, str | None]]
    status: dict[Key, str]


def _truth(suffix: str = "") -> Truth:
    relation = {
        (r["ratee_id"], r["rater_id"]): r["relation"] for r in _rows(f"truth{suffix}-forms.csv")
    }
    status = {
        (r["ratee_id"], r["rater_id"]): r["status"] for r in _rows(f"truth{suffix}-forms.csv")
    }
    codes = {key: np.full(len(FW.item_ids), BLANK, dtype=np.int16) for key in relation}
    for row in _rows(f"truth{suffix}.csv"):
        value = row["value"]
        code = NOT_OBSERVED if value == "not_observed" else int(value)
        codes[(row["ratee_id"], row["rater_id"])][ITEM_INDEX[row["item_id"]]] = code
    comments = {
        (r["ratee_id"], r["rater_id"]): (
            r["comment_strengths"] or None,
            r["comment_suggestions"] or None,
        )
        for r in _rows(f"truth{suffix}-comments.csv")
    }
    return Truth(codes, relation, comments, status)


TRUTH = _truth()
TRUTH_UNFINISHED = _truth("-unfinished")


@dataclass(frozen=True)
class Sample:
    file: str
    format: str
    #: how the file names the rated person: "id" or "name"
    ratee: str
    #: column of relation-labels.csv with this tool's labels
    labels: str
    mapping: str | None = None


SAMPLES = [
    Sample("qualtrics-text.csv", "qualtrics", "id", "qualtrics"),
    Sample("qualtrics-self-block.csv", "qualtrics", "id", "qualtrics"),
    Sample(
        "qualtrics-numeric.csv", "qualtrics", "id", "qualtrics", "qualtrics-numeric-mapping.yaml"
    ),
    Sample("msforms-by-name.xlsx", "msforms", "name", "msforms"),
    Sample("msforms-by-id.xlsx", "msforms", "id", "msforms"),
    Sample("googleforms.csv", "googleforms", "name", "googleforms"),
    Sample("surveymonkey.csv", "surveymonkey", "name", "surveymonkey"),
    Sample("surveymonkey.xlsx", "surveymonkey", "name", "surveymonkey"),
    Sample("limesurvey-codes.csv", "limesurvey", "id", "limesurvey"),
    Sample("limesurvey-text.csv", "limesurvey", "id", "limesurvey"),
]


def _text(value: object) -> object:
    """None for a missing cell (pandas' string columns hold NaN there)."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _with_column(raw: pd.DataFrame, heading: str, value: str | None) -> pd.DataFrame:
    """``raw`` with one more column: ``heading`` in the header row, ``value`` below it."""
    column = pd.Series([heading, *([value] * (len(raw) - 1))], index=raw.index, dtype=object)
    return pd.concat([raw, column.rename(raw.shape[1])], axis=1)


def _read(name: str) -> pd.DataFrame:
    return read_file(TOOLS / name).cells


def _mapping(sample: Sample) -> Mapping | None:
    return load_mapping(TOOLS / sample.mapping) if sample.mapping else None


def _codes(
    table: SurveyTable, source: str, mapping: Mapping | None
) -> tuple[pd.DataFrame, np.ndarray]:
    meta, codes, problems, accepted = wide_to_codes(
        table.wide, FW, source=source, rows=RowNumbers(table.first_data_row), mapping=mapping
    )
    assert problems == []
    assert accepted == list(range(len(table.wide)))
    return meta, codes


def _key(sample: Sample, ratee: str, rater_email: str) -> Key:
    ratee_id = ID_OF_NAME[ratee] if sample.ratee == "name" else ratee
    expected = PEOPLE[ratee_id]["name"] if sample.ratee == "name" else ratee_id
    assert ratee == expected
    return ratee_id, ID_OF_EMAIL[rater_email]


def _compare(
    sample: Sample,
    table: SurveyTable,
    meta: pd.DataFrame,
    codes: np.ndarray,
    truth: Truth,
    keys: list[Key],
    positions: list[int],
) -> None:
    labels = RELATION_LABELS
    for key, position in zip(keys, positions, strict=True):
        relation = truth.relation[key]
        assert meta["relation"].iat[position] == labels[relation][sample.labels], key
        np.testing.assert_array_equal(
            codes[position], truth.codes[key], err_msg=f"{sample.file} {key}"
        )
        found = tuple(_text(meta[c].iat[position]) for c in COMMENTS)
        assert found == truth.comments[key], key


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.file for s in SAMPLES])
def test_sample_export_reads_as_the_truth(sample: Sample) -> None:
    raw = _read(sample.file)
    assert detect_format(raw) == sample.format
    table = read_survey_export(raw, FW)
    assert table.format == sample.format
    assert table.conflicts == ()
    # Every question column is an item (by wording, or LimeSurvey's subquestion code).
    assert {m.method for m in table.matches} <= {"text", "id"}
    assert {m.item_id for m in table.matches} == set(FW.item_ids)
    meta, codes = _codes(table, sample.file, _mapping(sample))
    keys = [
        _key(sample, ratee, email)
        for ratee, email in zip(meta["ratee_id"], table.wide["rater_email"], strict=True)
    ]
    assert sorted(keys) == sorted(TRUTH.relation), "each form of the truth exactly once"
    _compare(sample, table, meta, codes, TRUTH, keys, list(range(len(keys))))


def test_every_truth_form_is_a_complete_review() -> None:
    assert len(TRUTH.relation) == 72 and set(TRUTH.status.values()) == {"completed"}
    per_ratee: dict[str, int] = {}
    for ratee, _ in TRUTH.relation:
        per_ratee[ratee] = per_ratee.get(ratee, 0) + 1
    assert per_ratee == dict.fromkeys(PEOPLE, 6)
    assert len(ID_OF_NAME) == len(ID_OF_EMAIL) == len(PEOPLE) == 12
    # The people's manager on record rates them as "manager", their reports as "direct_report".
    for (ratee, rater), relation in TRUTH.relation.items():
        if relation == "manager":
            assert PEOPLE[ratee]["manager_id"] == rater
        if relation == "direct_report":
            assert PEOPLE[rater]["manager_id"] == ratee
        if relation in ("peer", "partner"):
            same = PEOPLE[ratee]["organisation"] == PEOPLE[rater]["organisation"]
            assert same == (relation == "peer")


@pytest.mark.parametrize(
    ("name", "finished_column"),
    [("qualtrics-unfinished.csv", "completed"), ("limesurvey-unfinished.csv", "submitted_at")],
)
def test_unfinished_and_repeated_responses(name: str, finished_column: str) -> None:
    """The later of two responses is the one stored; an unfinished one is in progress."""
    table = read_survey_export(_read(name), FW)
    meta, codes = _codes(table, name, None)
    sample = Sample(name, table.format, "id", table.format.split("_")[0])
    keys = [
        _key(sample, ratee, email)
        for ratee, email in zip(meta["ratee_id"], table.wide["rater_email"], strict=True)
    ]
    recorded = pd.to_datetime(table.wide["recorded_at"], format="%Y-%m-%d %H:%M:%S")
    latest: dict[Key, int] = {}
    for position, key in enumerate(keys):
        if key not in latest or recorded.iat[position] > recorded.iat[latest[key]]:
            latest[key] = position
    assert len(keys) == len(latest) + 1, "one form was answered twice"
    assert sorted(latest) == sorted(TRUTH_UNFINISHED.relation)
    _compare(sample, table, meta, codes, TRUTH_UNFINISHED, list(latest), list(latest.values()))
    finished = table.wide[finished_column]
    for key, position in latest.items():
        value = finished.iat[position]
        done = value == "True" if finished_column == "completed" else value is not None
        assert done == (TRUTH_UNFINISHED.status[key] == "completed"), key
    if finished_column == "completed":
        unfinished = table.wide[table.wide["completed"] == "False"]
        assert unfinished["progress"].tolist() == ["40"]


def test_respondent_columns_under_canonical_names() -> None:
    expected = {
        "qualtrics-text.csv": {"rater_email", "rater_name", "completed", "progress", "recorded_at"},
        "msforms-by-name.xlsx": {"rater_email", "rater_name", "recorded_at"},
        "googleforms.csv": {"rater_email", "recorded_at"},
        "surveymonkey.csv": {"rater_email", "rater_name", "recorded_at"},
        "limesurvey-text.csv": {"rater_email", "rater_name", "submitted_at", "recorded_at"},
        "limesurvey-codes.csv": {"rater_email", "rater_name", "submitted_at", "recorded_at"},
    }
    canonical = {
        "rater_email",
        "rater_name",
        "completed",
        "progress",
        "submitted_at",
        "recorded_at",
    }
    for name, columns in expected.items():
        wide = read_survey_export(_read(name), FW).wide
        assert canonical & set(wide.columns) == columns, name
        names = wide["rater_email"].map(lambda e: PEOPLE[ID_OF_EMAIL[e]]["name"])
        if "rater_name" in columns:
            assert wide["rater_name"].tolist() == names.tolist(), name
    # Microsoft Forms: an edited response is recorded when it was last modified.
    wide = read_survey_export(_read("msforms-by-id.xlsx"), FW).wide
    edited = wide["Last modified time"].notna()
    assert 0 < edited.sum() < len(wide)
    assert (wide.loc[edited, "recorded_at"] == wide.loc[edited, "Last modified time"]).all()
    assert (wide.loc[~edited, "recorded_at"] == wide.loc[~edited, "Completion time"]).all()
    # A column already under the canonical name is left alone.
    raw = _read("googleforms.csv")
    raw = _with_column(raw, "rater_email", "someone@example.org")
    wide = read_survey_export(raw, FW).wide
    assert list(wide.columns).count("rater_email") == 1
    assert set(wide["rater_email"]) == {"someone@example.org"}


def _self_rows(raw: pd.DataFrame, answered: int) -> list[int]:
    """Rows (after the 3 header rows) of self-assessments that answered column ``answered``."""
    relation = list(raw.iloc[0]).index("Relationship")
    return [
        r
        for r in range(3, len(raw))
        if raw.iat[r, relation] == "Self" and raw.iat[r, answered] is not None
    ]


def test_an_item_answered_in_both_blocks_differently_is_a_conflict() -> None:
    raw = _read("qualtrics-self-block.csv")
    tags = list(raw.iloc[0])
    observer, own = tags.index("Q1_1"), tags.index("Q11_1")
    strengths, own_strengths = tags.index("Q4"), tags.index("Q14")
    row, second = _self_rows(raw, own)[:2]
    answer = raw.iat[row, own]
    assert raw.iat[row, observer] is None
    other = "Rarely" if answer != "Rarely" else "Often"
    raw.iat[row, observer] = other
    raw.iat[row, strengths] = "Great at planning, and at listening."
    raw.iat[row, own_strengths] = "Something else entirely."
    raw.iat[second, observer] = f"  {raw.iat[second, own].upper()} "  # same answer: no conflict
    table = read_survey_export(raw, FW)
    position = row - 3
    found = {(p, target): message for p, target, message in table.conflicts}
    assert set(found) == {(position, "model_1"), (position, "comment_strengths")}
    message = found[(position, "model_1")]
    assert all(part in message for part in ("'Q1_1'", "'Q11_1'", f"'{other}'", f"'{answer}'"))
    assert "'Q4'" in found[(position, "comment_strengths")]
    assert any("different answers" in note for note in table.notes)
    # The folded column keeps the first block's answer; the other engineer rejects the row.
    assert table.wide["model_1"].iat[position] == other
    # Every column of the item is reported as matched to it.
    assert [m.column for m in table.matches if m.item_id == "model_1"] == ["Q1_1", "Q11_1"]


def test_unmatched_question_columns_are_named_with_the_fix() -> None:
    raw = _read("googleforms.csv")
    extra = [f"Anything else to add ({n})?" for n in range(1, 13)]
    for question in extra:
        raw = _with_column(raw, question, None)
    table = read_survey_export(raw, FW)
    note = table.notes[-1]
    assert note.startswith("12 question column(s) matched no item and were ignored: ")
    assert all(f"'{q}'" in note for q in extra[:10])
    assert extra[10] not in note and "and 2 more" in note
    assert "'items:'" in note


def test_limesurvey_code_headings_match_items_by_subquestion_code() -> None:
    """Plain question-code headings: ``obs[model1]`` is item model_1 without any mapping."""
    raw = _read("limesurvey-codes.csv")
    raw.iloc[0] = [str(h).split(". ", 1)[0] for h in raw.iloc[0]]
    assert raw.iat[0, 10] == "obs[model1]"
    assert detect_format(raw) == "limesurvey"
    table = read_survey_export(raw, FW)
    assert {m.method for m in table.matches if m.item_id} == {"id"}
    assert {m.item_id for m in table.matches if m.item_id} == set(FW.item_ids)
    # Codes alone say nothing of the comment questions: those need a mapping.
    unmatched = [m.column for m in table.matches if m.method == "unmatched"]
    assert unmatched == ["obsstr", "obssug", "selfstr", "selfsug"]
    assert {"ratee_id", "relation", "rater_email", "submitted_at"} <= set(table.wide.columns)
    meta, codes = _codes(table, "codes.csv", None)
    sample = Sample("codes.csv", "limesurvey", "id", "limesurvey")
    for position, (ratee, email) in enumerate(
        zip(meta["ratee_id"], table.wide["rater_email"], strict=True)
    ):
        np.testing.assert_array_equal(codes[position], TRUTH.codes[_key(sample, ratee, email)])
    mapped = Mapping(columns={"obsstr": "comment_strengths", "selfstr": "comment_strengths"})
    table = read_survey_export(raw, FW, mapping=mapped)
    assert "comment_strengths" in table.wide.columns and table.conflicts == ()


def test_hr_roster_and_nominations_describe_the_same_review() -> None:
    grades = {"Director": "1", "Senior Manager": "2", "Manager": "3", "Team Leader": "4",
              "Front line": "5"}  # fmt: skip
    for name in ("hr-roster.csv", "hr-roster.xlsx"):
        cells = read_file(TOOLS / name).cells
        header = list(cells.iloc[0])
        assert header == ["Employee ID", "Full name", "Work email", "Company", "Location",
                          "Job title", "Grade", "Line manager ID"]  # fmt: skip
        for row in cells.iloc[1:].itertuples(index=False):
            person = PEOPLE[row[0]]
            assert [row[1], row[2], row[3], row[4], row[5]] == [
                person["name"], person["email"], person["organisation"], person["site"],
                person["role_title"],
            ]  # fmt: skip
            assert grades[row[6]] == person["level"]
            assert (row[7] or "") == person["manager_id"]
    labels = {row["nominations"]: relation for relation, row in RELATION_LABELS.items()}
    nominations = _rows("nominations-consultant.csv")
    found = {
        (row["Participant ID"], ID_OF_EMAIL[row["Rater email"]]): labels[row["Relationship"]]
        for row in nominations
    }
    assert found == TRUTH.relation and len(nominations) == 72
    assert all(
        PEOPLE[row["Participant ID"]]["name"] == row["Participant name"] for row in nominations
    )


def test_readings_say_what_every_column_is_read_as() -> None:
    raw = _read("msforms-by-name.xlsx")
    table = read_survey_export(raw, FW)
    readings = {column: (target, how) for column, target, how in table.readings}
    assert len(table.readings) == raw.shape[1]
    assert readings["Who are you giving feedback on?"] == ("ratee_id", "question wording")
    assert readings["How do you work with this person?"] == ("relation", "question wording")
    assert readings["Email"] == ("Email", "survey tool column")
    item = FW.items[0]
    assert readings[item.text] == readings[item.self_text] == (item.id, "item wording")
    assert readings[FW.comments[0].self_prompt] == ("comment_strengths", "comment question")
    codes = read_survey_export(_read("limesurvey-codes.csv"), FW)
    found = {column: (target, how) for column, target, how in codes.readings}
    assert found["obs[model1]"] == found["self[model1]"] == ("model_1", "item id")
    assert found["ratee"] == ("ratee_id", "question wording")  # "Person being rated"
