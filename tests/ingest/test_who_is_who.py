"""Imports that name people by e-mail or name, read labels, and keep completion honest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from builders import default_framework, stored_forms
from colead.errors import InvalidData
from colead.ingest.importing import import_file
from colead.store import make_engine
from colead.store.schema import Person

pytestmark = pytest.mark.integration

FW = default_framework()
ITEMS = FW.item_ids[:3]
PEOPLE = """person_id,name,email,organisation,organisation_role,site,level,manager_id
C1,Zoë Brennan,zoe.brennan@client.test,Client Co,client,Leeds,2,
C2,Liam Clarke,liam@client.test,Client Co,client,Leeds,4,C1
C3,Sam Lee,sam.lee@client.test,Client Co,client,Lyon,5,C2
S1,Sam Lee,sam.lee@supplier.test,Supplier Ltd,supplier,Lyon,3,
S2,Siobhán O'Neill,siobhan@supplier.test,Supplier Ltd,supplier,Lyon,5,S1
"""


def _people(url: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    assert import_file(url, "people", path, review="R").rejected == 0


def _forms(url: str) -> dict[tuple[str, str], tuple[str, bytes, bool, str | None]]:
    return {
        (ratee, rater): (relation, values, submitted, strengths)
        for ratee, rater, relation, values, submitted, strengths, _ in stored_forms(url, "R")
    }


def _write(tmp_path: Path, name: str, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_people_named_by_email_and_unique_name_labels_read(
    database_url: str, tmp_path: Path
) -> None:
    _people(database_url, tmp_path)
    rows = [
        # ratee by name (accents and case as typed), rater by e-mail
        {"Who are you rating": "zoe brennan", "Rater email": "LIAM@client.test",
         "Relationship": "Direct report", ITEMS[0]: 4},
        {"Who are you rating": "Siobhán  O'Neill", "Rater email": "sam.lee@supplier.test",
         "Relationship": "Line manager", ITEMS[0]: "Often"},
        # "Sam Lee" names two people: refused, with both ids
        {"Who are you rating": "Sam Lee", "Rater email": "zoe.brennan@client.test",
         "Relationship": "Partner organisation", ITEMS[0]: 3},
        # an unknown name: refused with the closest names
        {"Who are you rating": "Zoe Brenan", "Rater email": "liam@client.test",
         "Relationship": "Peer", ITEMS[0]: 3},
        {"Who are you rating": "Liam Clarke", "Rater email": "liam@client.test",
         "Relationship": "This is my self-assessment", ITEMS[0]: 5},
    ]  # fmt: skip
    path = _write(tmp_path, "forms.csv", rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  Who are you rating: ratee_name\n", encoding="utf-8")
    outcome = import_file(database_url, "responses", path, review="R", mapping_path=mapping)
    assert (outcome.imported, outcome.rejected) == (3, 2)
    forms = _forms(database_url)
    assert {k: v[0] for k, v in forms.items()} == {
        ("C1", "C2"): "direct_report",
        ("S2", "S1"): "manager",
        ("C2", "C2"): "self",
    }
    ambiguous, unknown = outcome.problems
    assert (ambiguous.row, ambiguous.column) == (4, "ratee_name")
    assert "names 2 people" in ambiguous.message and "C3, S1" in ambiguous.message
    assert "id or e-mail" in ambiguous.hint
    assert unknown.row == 5 and "is not a person in this review" in unknown.message
    assert "Zoë Brennan (C1)" in unknown.hint


def test_unfinished_responses_are_kept_in_progress_or_rejected(
    database_url: str, tmp_path: Path
) -> None:
    _people(database_url, tmp_path)
    rows = [
        {"ratee_id": "C2", "rater_id": "C3", "relation": "direct_report", "Finished": "True",
         "Progress": "100", ITEMS[0]: 4, ITEMS[1]: 5},
        {"ratee_id": "C2", "rater_id": "C1", "relation": "manager", "Finished": "False",
         "Progress": "40", ITEMS[0]: 2},
        {"ratee_id": "S2", "rater_id": "S1", "relation": "manager", "Finished": "False",
         "Progress": "0"},
    ]  # fmt: skip
    path = _write(tmp_path, "qualtrics.csv", rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  Finished: completed\n", encoding="utf-8")
    rejected = import_file(
        database_url, "responses", path, review="R", mapping_path=mapping, unfinished="reject",
        dry_run=True,
    )  # fmt: skip
    assert (rejected.imported, rejected.rejected, rejected.in_progress) == (1, 2, 0)
    assert "did not finish (finished = False, progress = 40 %)" in rejected.problems[0].message

    kept = import_file(database_url, "responses", path, review="R", mapping_path=mapping)
    assert (kept.imported, kept.in_progress, kept.rejected) == (2, 1, 0)
    # the response with no answers at all is not stored, and says so as a warning
    (warning,) = kept.problems
    assert warning.row == 4 and "nothing to store" in warning.message
    assert any("stored as in progress" in note for note in kept.notes)
    forms = _forms(database_url)
    assert forms[("C2", "C3")][2] is True and forms[("C2", "C1")][2] is False
    assert ("S2", "S1") not in forms


def test_a_finished_form_without_answers_is_an_error_never_a_success(
    database_url: str, tmp_path: Path
) -> None:
    _people(database_url, tmp_path)
    rows = [
        {"ratee_id": "C2", "rater_id": "C3", "relation": "direct_report", ITEMS[0]: 4},
        {"ratee_id": "C2", "rater_id": "C1", "relation": "manager", ITEMS[0]: None},
    ]
    path = _write(tmp_path, "forms.csv", rows)
    outcome = import_file(database_url, "responses", path, review="R")
    assert (outcome.imported, outcome.rejected, outcome.exit_code) == (1, 1, 1)
    assert "no answers in any question column" in outcome.problems[0].message
    # a file whose columns match no question at all is refused whole
    nothing = _write(tmp_path, "monkey.csv", [{"ratee_id": "C2", "rater_id": "C3",
                                               "relation": "peer", "Q1": "Often"}])  # fmt: skip
    with pytest.raises(InvalidData, match="no column of the file matched a question"):
        import_file(database_url, "responses", nothing, review="R")


def test_duplicate_responses_keep_the_latest_by_recorded_date(
    database_url: str, tmp_path: Path
) -> None:
    _people(database_url, tmp_path)
    rows = [
        {"ratee_id": "C2", "rater_id": "C3", "relation": "direct_report",
         "RecordedDate": "2026-11-05 10:00:00", ITEMS[0]: 5, "comment_strengths": "later"},
        {"ratee_id": "C2", "rater_id": "C3", "relation": "direct_report",
         "RecordedDate": "2026-11-03 10:00:00", ITEMS[0]: 2, "comment_strengths": "earlier"},
    ]  # fmt: skip
    path = _write(tmp_path, "forms.csv", rows)
    outcome = import_file(database_url, "responses", path, review="R")
    assert (outcome.imported, outcome.rejected) == (1, 1)
    (problem,) = outcome.problems
    assert problem.row == 3
    assert "recorded 2026-11-03 10:00, before row 2 (recorded 2026-11-05 10:00)" in problem.message
    assert _forms(database_url)[("C2", "C3")][3] == "later"
    # without dates, the later row of the file is the latest
    undated = _write(tmp_path, "undated.csv", [{k: v for k, v in r.items() if k != "RecordedDate"}
                                               for r in rows])  # fmt: skip
    again = import_file(database_url, "responses", undated, review="R")
    assert "an earlier row than row 3" in again.problems[0].message
    assert _forms(database_url)[("C2", "C3")][3] == "earlier"


def test_hr_roster_with_work_email_and_text_grades(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text(
        "Employee ID,Full name,Work email,Company,Location,Job title,Grade,Line manager ID,"
        "Cost centre\n"
        "E1,Ana Ruiz,ana@client.test,Client Co,Leeds,Director of Ops,Director,,CC1\n"
        "E2,Ben Ode,ben@client.test,Client Co,Leeds,Site lead,Senior Manager,E1,CC1\n"
        "E3,Cy Pan,cy@client.test,Client Co,Leeds,Shift lead,Team Leader,E2,CC2\n"
        "E4,Di Roe,di@client.test,Client Co,Leeds,Fitter,Front line,E3,CC2\n"
        "E5,Ed Fox,ed@client.test,Client Co,Leeds,Intern,Intern,E3,CC2\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "people", path, review="R")
    assert (outcome.imported, outcome.rejected) == (4, 1)
    (problem,) = outcome.problems
    assert problem.column == "level" and problem.value == "Intern"
    assert "Director" in problem.hint and "'levels:'" in problem.hint
    assert any("'Cost centre'" in note and "not read" in note for note in outcome.notes)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        people = dict(connection.execute(select(Person.external_id, Person.email)).all())
        levels = dict(connection.execute(select(Person.external_id, Person.level)).all())
    engine.dispose()
    assert people["E1"] == "ana@client.test" and levels == {"E1": 1, "E2": 2, "E3": 4, "E4": 5}


def test_an_unread_column_of_e_mails_is_named_loudly(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text(
        "person_id,name,organisation,site,level,Mail (work)\n"
        "E1,Ana Ruiz,Client Co,Leeds,1,ana@client.test\n",
        encoding="utf-8",
    )
    outcome = import_file(database_url, "people", path, review="R")
    assert any("'Mail (work)' holds e-mail addresses" in note for note in outcome.notes)


def test_mapping_relations_and_levels_and_a_values_mistake(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE.replace(",2,\n", ",Principal,\n", 1), encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "levels:\n  Principal: 2\nrelations:\n  Internal customer: other\n"
        "values:\n  Works with me: peer\n  6: not observed\n",
        encoding="utf-8",
    )
    # 'values:' mapping a relation label is an answer error at load; keep answers valid
    mapping.write_text(
        "levels:\n  Principal: 2\nrelations:\n  Internal customer: other\n"
        "values:\n  6: not observed\n  Works with me: 3\n",
        encoding="utf-8",
    )
    people = import_file(database_url, "people", path, review="R", mapping_path=mapping)
    assert people.rejected == 0
    nominations = tmp_path / "nominations.csv"
    nominations.write_text(
        "Participant ID,Participant name,Rater name,Rater email,Relationship\n"
        "C2,Liam Clarke,Sam Lee,sam.lee@client.test,Internal customer\n"
        "C2,Liam Clarke,Zoë Brennan,zoe.brennan@client.test,Line manager\n"
        "C1,Zoë Brennan,Liam Clarke,liam@client.test,Works with me\n",
        encoding="utf-8",
    )
    outcome = import_file(
        database_url, "nominations", nominations, review="R", mapping_path=mapping
    )
    assert (outcome.imported, outcome.rejected) == (2, 1)
    (problem,) = outcome.problems
    assert problem.column == "relation" and "not a known relation" in problem.message
    assert "'relations:' section, not 'values:'" in problem.hint
    assert "direct_report" in problem.hint


def test_a_finished_response_is_kept_before_a_later_unfinished_one(
    database_url: str, tmp_path: Path
) -> None:
    _people(database_url, tmp_path)
    rows = [
        {"ratee_id": "C2", "rater_id": "C3", "relation": "direct_report", "Finished": "True",
         "RecordedDate": "2026-11-03 10:00:00", ITEMS[0]: 5, "comment_strengths": "finished"},
        {"ratee_id": "C2", "rater_id": "C3", "relation": "direct_report", "Finished": "False",
         "Progress": "10", "RecordedDate": "2026-11-05 10:00:00", ITEMS[0]: 1},
    ]  # fmt: skip
    path = _write(tmp_path, "forms.csv", rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  Finished: completed\n", encoding="utf-8")
    outcome = import_file(database_url, "responses", path, review="R", mapping_path=mapping)
    assert (outcome.imported, outcome.in_progress, outcome.rejected) == (1, 0, 1)
    (problem,) = outcome.problems
    assert problem.row == 3 and "unfinished, while row 2 is a finished response" in problem.message
    kept = _forms(database_url)[("C2", "C3")]
    assert kept[2] is True and kept[3] == "finished"
