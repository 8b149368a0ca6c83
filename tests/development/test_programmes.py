"""Programmes: create, enrol, attendance, completion, costs, and their audit entries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import people_frame
from colead.development.programmes import (
    create_programme,
    enrol,
    list_programmes,
    programme_costs,
    record_attendance,
    set_completed,
    show_programme,
)
from colead.errors import AlreadyExists, InvalidData, NotFound, ReviewNotFound, UnknownPerson
from colead.ingest.importing import import_file
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry

pytestmark = pytest.mark.integration

REVIEW = "Facilities"


@contextmanager
def _session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    """A review with the four standard people and a programme with costs."""
    people_frame().to_csv(tmp_path / "people.csv", index=False)
    outcome = import_file(database_url, "people", tmp_path / "people.csv", review=REVIEW)
    assert outcome.rejected == 0, outcome.problems
    with _session(database_url) as session:
        create_programme(
            session,
            REVIEW,
            "Leading together",
            provider="Academy",
            start_date=date(2025, 1, 10),
            end_date=date(2025, 6, 30),
            cost_per_participant=1_500.0,
            other_costs=4_000.0,
            actor="tester",
        )
    return database_url


def _audit(url: str) -> list[tuple[str, str, str]]:
    with _session(url) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity).order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_new_programme_is_listed_with_its_details_and_no_one_enrolled(url: str) -> None:
    with _session(url) as session:
        [listed] = list_programmes(session, REVIEW)
    assert (listed.name, listed.provider) == ("Leading together", "Academy")
    assert (listed.start_date, listed.end_date) == (date(2025, 1, 10), date(2025, 6, 30))
    assert (listed.enrolled, listed.completed) == (0, 0)
    # no one enrolled yet: only the costs not tied to a participant
    assert listed.total_cost == pytest.approx(4_000.0)
    assert listed.attendance_rate is None and listed.completion_rate is None
    assert ("tester", "create", "programme") in _audit(url)


def test_enrol_attendance_and_completion_add_up_in_the_summary(url: str) -> None:
    with _session(url) as session:
        first = enrol(session, REVIEW, "Leading together", ["C2", "S2", "S1"], actor="tester")
        again = enrol(session, REVIEW, "Leading together", ["S2", "C1"], actor="tester")
        record_attendance(session, REVIEW, "Leading together", "C2", 5, of=6, actor="tester")
        row = record_attendance(session, REVIEW, "Leading together", "S2", 3, of=6)
        # the number of sessions held is remembered
        later = record_attendance(session, REVIEW, "Leading together", "S2", 4)
        changed = set_completed(session, REVIEW, "Leading together", ["C2", "S2"], actor="tester")
        unchanged = set_completed(session, REVIEW, "Leading together", ["C2"])
    assert first.added == ("C2", "S2", "S1") and first.already == ()
    assert again.added == ("C1",) and again.already == ("S2",)
    assert (row.sessions_attended, row.sessions_total) == (3, 6)
    assert (later.sessions_attended, later.sessions_total) == (4, 6)
    assert (changed, unchanged) == (2, 0)
    with _session(url) as session:
        detail = show_programme(session, REVIEW, "Leading together")
    summary = detail.summary
    assert (summary.enrolled, summary.completed) == (4, 2)
    assert (summary.sessions_attended, summary.sessions_total, summary.with_attendance) == (
        9,
        12,
        2,
    )
    assert summary.attendance_rate == pytest.approx(9 / 12)
    # hand calculation: 1,500 × 4 enrolled + 4,000 other = 10,000
    assert summary.total_cost == pytest.approx(10_000.0)
    by_person = {e.person_id: e for e in detail.enrolments}
    assert sorted(by_person) == ["C1", "C2", "S1", "S2"]
    assert by_person["C2"].completed and not by_person["S1"].completed
    assert by_person["S1"].sessions_attended is None
    actions = [a for _, a, _ in _audit(url)]
    assert actions.count("enrol") == 2
    assert actions.count("attendance") == 3
    assert actions.count("complete") == 1


def test_completion_can_be_undone(url: str) -> None:
    with _session(url) as session:
        enrol(session, REVIEW, "Leading together", ["C2"])
        set_completed(session, REVIEW, "Leading together", ["C2"])
        assert set_completed(session, REVIEW, "Leading together", ["C2"], completed=False) == 1
        assert show_programme(session, REVIEW, "Leading together").summary.completed == 0
    assert ("system", "uncomplete", "programme") in _audit(url)


def test_costs_for_the_roi_count_everyone_enrolled(url: str) -> None:
    with _session(url) as session:
        enrol(session, REVIEW, "Leading together", ["C1", "C2", "S1"])
        set_completed(session, REVIEW, "Leading together", ["C2"])
        costs = programme_costs(session, REVIEW, "Leading together")
        create_programme(session, REVIEW, "Free")
        with pytest.raises(InvalidData, match="no recorded costs"):
            programme_costs(session, REVIEW, "Free")
    assert (costs.cost_per_participant, costs.participants, costs.other_costs) == (
        1_500.0,
        3,
        4_000.0,
    )
    assert costs.total == pytest.approx(8_500.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "Leading together"}, AlreadyExists, "already has"),
        ({"name": "  "}, InvalidData, "needs a name"),
        (
            {"name": "X", "start_date": date(2025, 5, 1), "end_date": date(2025, 4, 1)},
            InvalidData,
            "ends",
        ),
        ({"name": "X", "cost_per_participant": -1.0}, InvalidData, "negative"),
        ({"name": "X", "other_costs": -0.5}, InvalidData, "negative"),
        # the console addresses a programme as one path segment
        ({"name": "Lead/Manage"}, InvalidData, "contains '/'"),
    ],
)
def test_create_refuses_bad_programmes(
    url: str, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with _session(url) as session, pytest.raises(error, match=message):
        create_programme(session, REVIEW, **kwargs)  # type: ignore[arg-type]


def test_unknown_review_programme_and_people_are_named(url: str) -> None:
    with _session(url) as session:
        with pytest.raises(ReviewNotFound):
            list_programmes(session, "Nope")
        with pytest.raises(NotFound, match="No programme named 'Nope'") as caught:
            enrol(session, REVIEW, "Nope", ["C1"])
        assert caught.value.hint is not None and "Leading together" in caught.value.hint
        with pytest.raises(UnknownPerson, match="X9, X8"):
            enrol(session, REVIEW, "Leading together", ["C1", "X9", "X8"])
        with pytest.raises(NotFound, match="not enrolled"):
            record_attendance(session, REVIEW, "Leading together", "C1", 1, of=2)
        with pytest.raises(NotFound, match="Not enrolled in 'Leading together': S1"):
            set_completed(session, REVIEW, "Leading together", ["S1"])
    with _session(url) as session:
        # nothing of the refused enrolment was stored
        assert show_programme(session, REVIEW, "Leading together").summary.enrolled == 0


@pytest.mark.parametrize(
    ("attended", "of", "message"),
    [
        (-1, 4, "negative"),
        (5, 4, "cannot attend 5 of 4"),
        (0, 0, "at least one"),
        (1, None, "not known"),
    ],
)
def test_impossible_attendance_is_refused(
    url: str, attended: int, of: int | None, message: str
) -> None:
    with _session(url) as session:
        enrol(session, REVIEW, "Leading together", ["C1"])
        with pytest.raises(InvalidData, match=message):
            record_attendance(session, REVIEW, "Leading together", "C1", attended, of=of)


def test_enrolments_imported_from_a_file_show_in_the_programme(url: str, tmp_path: Path) -> None:
    path = tmp_path / "enrolments.csv"
    pd.DataFrame(
        [
            {"person_id": "C1", "programme": "Leading together", "completed": "yes"},
            {"person_id": "S2", "programme": "Leading together", "completed": "no"},
        ]
    ).to_csv(path, index=False)
    outcome = import_file(url, "enrolments", path, review=REVIEW)
    assert outcome.rejected == 0, outcome.problems
    with _session(url) as session:
        enrolled = enrol(session, REVIEW, "Leading together", ["C1", "C2"])
        summary = show_programme(session, REVIEW, "Leading together").summary
    assert enrolled.already == ("C1",) and enrolled.added == ("C2",)
    assert (summary.enrolled, summary.completed) == (3, 1)


def test_a_reimported_enrolment_keeps_its_attendance(url: str, tmp_path: Path) -> None:
    path = tmp_path / "enrolments.csv"
    frame = pd.DataFrame([{"person_id": "S2", "programme": "Leading together", "completed": "no"}])
    frame.to_csv(path, index=False)
    assert import_file(url, "enrolments", path, review=REVIEW).rejected == 0
    with _session(url) as session:
        record_attendance(session, REVIEW, "Leading together", "S2", 3, of=4)
    frame.assign(completed="yes").to_csv(path, index=False)
    outcome = import_file(url, "enrolments", path, review=REVIEW)
    assert (outcome.imported, outcome.updated) == (0, 1)
    with _session(url) as session:
        summary = show_programme(session, REVIEW, "Leading together").summary
    assert summary.completed == 1
    assert (summary.sessions_attended, summary.sessions_total) == (3, 4)
