"""Validated imports: bad rows are named precisely and the good rows are kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import default_framework, people_frame
from colead.domain import BLANK, WaveStatus
from colead.errors import InvalidData
from colead.ingest import (
    Severity,
    import_enrolments,
    import_kpis,
    import_nominations,
    import_people,
    import_responses,
    normalise_period,
)
from colead.store import make_engine, transaction, upgrade
from colead.store.people import people_frame as stored_people
from colead.store.reviews import get_or_create_review, register_framework
from colead.store.schema import Assignment, Kpi, Response, Review, Wave
from colead.store.waves import create_wave

pytestmark = pytest.mark.integration


@contextmanager
def _review(url: str) -> Iterator[tuple[Session, Review, Wave]]:
    engine = make_engine(url)
    upgrade(engine)
    try:
        with transaction(engine) as session:
            review, _ = get_or_create_review(session, "Test review")
            import_people(session, review, people_frame(), "people.csv")
            version = register_framework(session, default_framework())
            wave = create_wave(session, review.id, "baseline", version.id, WaveStatus.open)
            yield session, review, wave
    finally:
        engine.dispose()


def test_people_rows_with_errors_are_rejected_with_file_row_column_and_fix(
    database_url: str,
) -> None:
    bad = people_frame(
        [
            {
                "person_id": "X1",
                "name": "",
                "organisation": "Client Co",
                "site": "North",
                "level": 3,
            },
            {
                "person_id": "X2",
                "name": "Ed",
                "organisation": "Client Co",
                "site": "North",
                "level": 7,
            },
            {
                "person_id": "C1",
                "name": "Dup",
                "organisation": "Client Co",
                "site": "North",
                "level": 2,
            },
            {
                "person_id": "X3",
                "name": "Flo",
                "organisation": "Client Co",
                "site": "South",
                "level": "4",
                "email": "not-an-email",
                "manager_id": "NOBODY",
            },
        ]
    )
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        with transaction(engine) as session:
            review, _ = get_or_create_review(session, "R")
            report = import_people(session, review, bad, "people.csv")
            stored = stored_people(session, review.id)
    finally:
        engine.dispose()
    errors = [p for p in report.problems if p.severity is Severity.error]
    assert [(p.row, p.column) for p in errors] == [(6, "name"), (7, "level"), (8, "person_id")]
    assert "repeats the id of row 2" in errors[2].message
    assert str(errors[1]).startswith("people.csv, row 7, column 'level': is not a level")
    warnings = {p.column: p for p in report.problems if p.severity is Severity.warning}
    assert set(warnings) == {"email", "manager_id"}
    assert report.rejected_rows == [6, 7, 8] and report.accepted == 5
    assert sorted(stored["person_id"]) == ["C1", "C2", "S1", "S2", "X3"]
    x3 = stored.set_index("person_id").loc["X3"]
    assert x3["site"] == "South" and pd.isna(x3["email"]) and pd.isna(x3["manager_id"])
    assert stored.set_index("person_id").loc["C1", "name"] == "Ana Client"


def test_reimporting_people_updates_instead_of_duplicating(database_url: str) -> None:
    with _review(database_url) as (session, review, _):
        changed = people_frame()
        changed.loc[changed["person_id"] == "S2", ["level", "manager_id"]] = [4, None]
        report = import_people(session, review, changed, "people-v2.csv")
        stored = stored_people(session, review.id).set_index("person_id")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 3)
    assert stored.loc["S2", "level"] == 4 and pd.isna(stored.loc["S2", "manager_id"])


def test_a_table_without_a_required_column_is_refused_whole(database_url: str) -> None:
    with _review(database_url) as (session, review, _):
        with pytest.raises(InvalidData, match="no column 'level'") as caught:
            import_people(session, review, people_frame().drop(columns="level"), "hr.xlsx")
        assert "hr.xlsx" in caught.value.message
        assert "Required columns" in (caught.value.hint or "")


def test_nominations_check_people_relations_self_and_partner_rules(database_url: str) -> None:
    frame = pd.DataFrame(
        [
            ("C2", "C2", "self"),
            ("C2", "S2", "partner"),
            ("C2", "C1", "Manager"),
            ("C2", "ZZ", "peer"),
            ("C2", "C1", "peer"),
            ("C2", "S1", "acquaintance"),
            ("C2", "C2", "peer"),
            ("S2", "S1", "partner"),
        ],
        columns=["ratee_id", "rater_id", "relation"],
    )
    with _review(database_url) as (session, review, wave):
        report, tokens = import_nominations(session, review.id, wave, frame, "raters.csv")
        stored = session.scalars(select(Assignment.relation).order_by(Assignment.id)).all()
    assert stored == ["self", "partner", "manager"] and len(tokens) == 3
    problems = {p.row: p for p in report.problems}
    assert problems[5].column == "rater_id" and "not a person" in problems[5].message
    assert "same rater" in problems[6].message
    assert problems[7].column == "relation" and "not a known relation" in problems[7].message
    assert "self-ratings" in problems[8].message
    assert "other organisation" in problems[9].message and "Supplier Ltd" in problems[9].message


def test_only_the_line_manager_on_record_may_rate_as_manager(database_url: str) -> None:
    # A manager's answers are shown to the ratee on their own, so an import must not make
    # anyone else a "manager" (C2's manager on record is C1, S2's is S1, C1 has none).
    frame = pd.DataFrame(
        [("C2", "C1", "manager"), ("C2", "S1", "manager"), ("S2", "S1", "manager"),
         ("C1", "C2", "manager"), ("S2", "C2", "manager")],
        columns=["ratee_id", "rater_id", "relation"],
    )  # fmt: skip
    with _review(database_url) as (session, review, wave):
        report, tokens = import_nominations(session, review.id, wave, frame, "raters.csv")
        stored = session.scalars(select(Assignment.relation)).all()
    assert stored == ["manager"] * 3 and len(tokens) == 3
    problems = {p.row: p for p in report.problems}
    assert sorted(problems) == [3, 6]
    assert problems[3].column == "relation"
    assert "S1 is not the line manager on record of C2 (C1 is)" in problems[3].message
    assert "S1 is" in problems[6].message and "manager_id" in (problems[6].hint or "")


def test_responses_reject_out_of_scale_forms_and_create_missing_assignments(
    database_url: str,
) -> None:
    framework = default_framework()
    meta = pd.DataFrame(
        [
            ("C2", "C2", "self", "Calm", None),
            ("C2", "S2", "partner", None, "Share plans earlier"),
            ("S2", "C1", "partner", None, None),
        ],
        columns=["ratee_id", "rater_id", "relation", "comment_strengths", "comment_suggestions"],
    )
    codes = np.full((3, len(framework.item_ids)), 4, dtype=np.int8)
    codes[1, 2] = BLANK
    codes[2, 7] = 9
    with _review(database_url) as (session, review, wave):
        report = import_responses(session, review.id, wave, framework, meta, codes, "survey.csv")
        comments = session.execute(
            select(Response.comment_strengths, Response.comment_suggestions).order_by(Response.id)
        ).all()
        n_assignments = len(session.scalars(select(Assignment.id)).all())
    assert report.inserted == 2 and n_assignments == 2
    (problem,) = report.problems
    assert (problem.row, problem.column, problem.value) == (4, framework.item_ids[7], 9)
    assert "outside the response scale" in problem.message
    assert [tuple(c) for c in comments] == [("Calm", None), (None, "Share plans earlier")]


def test_responses_read_with_another_framework_are_refused(database_url: str) -> None:
    framework = default_framework()
    other = type(framework).model_validate(framework.model_dump() | {"version": "9.9"})
    meta = pd.DataFrame([("C2", "C2", "self")], columns=["ratee_id", "rater_id", "relation"])
    codes = np.full((1, len(framework.item_ids)), 3, dtype=np.int8)
    with (
        _review(database_url) as (session, review, wave),
        pytest.raises(InvalidData, match=r"uses colead_default 1\.0\.0"),
    ):
        import_responses(session, review.id, wave, other, meta, codes, "survey.csv")


@pytest.mark.parametrize(
    ("raw", "period"),
    [
        ("2024", "2024"),
        ("2024-Q3", "2024-Q3"),
        ("2024q3", "2024-Q3"),
        ("2024/7", "2024-07"),
        ("2024-07", "2024-07"),
        (2024, "2024"),
        ("Q3 2024", None),
        ("2024-13", None),
        ("", None),
    ],
)
def test_kpi_periods(raw: object, period: str | None) -> None:
    assert normalise_period(raw) == period


def test_kpis_and_enrolments_validate_each_row(database_url: str) -> None:
    kpis = pd.DataFrame(
        [
            ("North", "2024-Q1", "On-time (%)", "91.5", "yes", "95"),
            ("North", "2024-Q5", "On-time (%)", "90", "yes", ""),
            ("Atlantis", "2024-Q2", "On-time (%)", "90", "", ""),
            ("North", "2024-Q2", "On-time (%)", "n/a", "", ""),
            ("North", "2024-Q3", "Incidents", "2", "no", ""),
        ],
        columns=["site", "period", "kpi", "value", "higher_is_better", "target"],
    )
    enrolments = pd.DataFrame(
        [
            ("S2", "Leading across boundaries", "2024-06-01", "", "yes"),
            ("S9", "Leading across boundaries", "", "", ""),
            ("C2", "Leading across boundaries", "June", "", "maybe"),
        ],
        columns=["person_id", "programme", "start", "end", "completed"],
    )
    with _review(database_url) as (session, review, _):
        kpi_report = import_kpis(session, review, kpis, "kpis.csv")
        enrol_report = import_enrolments(session, review, enrolments, "enrol.csv")
        stored = session.execute(select(Kpi.period, Kpi.higher_is_better, Kpi.target)).all()
    assert kpi_report.rejected_rows == [3, 4, 5]
    assert sorted(tuple(s) for s in stored) == [("2024-Q1", True, 95.0), ("2024-Q3", False, None)]
    assert enrol_report.inserted == 1 and enrol_report.rejected_rows == [3, 4]
    assert {p.column for p in enrol_report.problems} == {"person_id", "start", "completed"}
