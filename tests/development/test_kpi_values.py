"""Values of KPI units: set, restate, list, remove, validation, audit, and the ROI's costs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import people_frame
from colead.development.kpi_values import (
    known_kpis,
    list_kpi_values,
    remove_kpi_value,
    roi_inputs,
    set_kpi_value,
)
from colead.development.programmes import create_programme, enrol
from colead.errors import InvalidData, NotFound, ReviewNotFound
from colead.ingest.importing import import_file
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry

pytestmark = pytest.mark.integration

REVIEW = "Facilities"
ON_TIME = "On-time delivery (%)"
INCIDENTS = "Safety incidents"


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
    """A review with the four standard people (site North) and two KPIs."""
    people_frame().to_csv(tmp_path / "people.csv", index=False)
    assert import_file(database_url, "people", tmp_path / "people.csv", review=REVIEW).rejected == 0
    pd.DataFrame(
        {
            "site": ["North"] * 4,
            "period": ["2024-Q1", "2024-Q2", "2024-Q1", "2024-Q2"],
            "kpi": [ON_TIME, ON_TIME, INCIDENTS, INCIDENTS],
            "value": [91.0, 93.0, 4.0, 3.0],
            "higher_is_better": [True, True, False, False],
        }
    ).to_csv(tmp_path / "kpis.csv", index=False)
    assert import_file(database_url, "kpis", tmp_path / "kpis.csv", review=REVIEW).rejected == 0
    return database_url


def _audit(url: str) -> list[tuple[str, str, dict[str, object]]]:
    with _session(url) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.action.like("kpi_value.%"))
            .order_by(AuditEntry.id)
        )
        return [(actor, action, dict(detail or {})) for actor, action, detail in rows]


def test_a_value_is_set_restated_listed_and_removed_with_an_audit_trail(url: str) -> None:
    with _session(url) as session:
        assert known_kpis(session, REVIEW) == [ON_TIME, INCIDENTS]
        assert list_kpi_values(session, REVIEW) == []
        stored = set_kpi_value(
            session, REVIEW, f"  {ON_TIME} ", 2500.0, currency="eur", periods=4,
            source=" contract schedule ", actor="ana",
        )  # fmt: skip
    assert (stored.kpi, stored.value_per_unit, stored.currency) == (ON_TIME, 2500.0, "EUR")
    assert (stored.periods, stored.source) == (4.0, "contract schedule")
    with _session(url) as session:
        set_kpi_value(session, REVIEW, ON_TIME, 3000.0, currency="EUR", periods=2, actor="ben")
        set_kpi_value(session, REVIEW, INCIDENTS, 12_000.0, actor="ben")
    with _session(url) as session:
        listed = list_kpi_values(session, REVIEW)
    # one row per KPI: restating replaces, and the source not given again is cleared
    assert [(v.kpi, v.value_per_unit, v.currency, v.periods, v.source) for v in listed] == [
        (ON_TIME, 3000.0, "EUR", 2.0, None),
        (INCIDENTS, 12_000.0, "GBP", 1.0, None),
    ]
    with _session(url) as session:
        remove_kpi_value(session, REVIEW, ON_TIME, actor="cy")
    with _session(url) as session:
        assert [v.kpi for v in list_kpi_values(session, REVIEW)] == [INCIDENTS]
    trail = _audit(url)
    assert [(actor, action) for actor, action, _ in trail] == [
        ("ana", "kpi_value.set"),
        ("ben", "kpi_value.set"),
        ("ben", "kpi_value.set"),
        ("cy", "kpi_value.remove"),
    ]
    assert trail[0][2]["before"] is None and trail[0][2]["value_per_unit"] == 2500.0
    assert trail[1][2]["before"] == {"value_per_unit": 2500.0, "currency": "EUR", "periods": 4.0}
    assert trail[3][2]["kpi"] == ON_TIME and trail[3][2]["value_per_unit"] == 3000.0


@pytest.mark.parametrize(
    ("kpi", "value", "currency", "periods", "message"),
    [
        (ON_TIME, 0.0, "GBP", 4.0, "positive amount"),
        (ON_TIME, -10.0, "GBP", 4.0, "positive amount"),
        (ON_TIME, math.nan, "GBP", 4.0, "positive amount"),
        (ON_TIME, math.inf, "GBP", 4.0, "positive amount"),
        (ON_TIME, 10.0, "EU", 4.0, "not a currency code"),
        (ON_TIME, 10.0, "G1P", 4.0, "not a currency code"),
        (ON_TIME, 10.0, "", 4.0, "not a currency code"),
        (ON_TIME, 10.0, "GBP", 0.0, "more than 0"),
        (ON_TIME, 10.0, "GBP", -1.0, "more than 0"),
        (ON_TIME, 10.0, "GBP", math.nan, "more than 0"),
        ("Profit", 10.0, "GBP", 4.0, "no KPI named 'Profit'"),
    ],
)
def test_a_bad_value_is_refused_with_what_to_fix_and_nothing_is_stored(
    url: str, kpi: str, value: float, currency: str, periods: float, message: str
) -> None:
    with _session(url) as session, pytest.raises(InvalidData) as refused:
        set_kpi_value(session, REVIEW, kpi, value, currency=currency, periods=periods)
    assert message in refused.value.message
    assert refused.value.hint
    with _session(url) as session:
        assert list_kpi_values(session, REVIEW) == []
    assert _audit(url) == []


def test_an_unknown_kpi_error_names_the_known_ones(url: str) -> None:
    with _session(url) as session, pytest.raises(InvalidData) as refused:
        set_kpi_value(session, REVIEW, "on-time delivery", 10.0)
    assert refused.value.hint == f"Known KPIs: {ON_TIME}; {INCIDENTS}."


def test_a_long_source_is_refused(url: str) -> None:
    with _session(url) as session, pytest.raises(InvalidData, match="characters long"):
        set_kpi_value(session, REVIEW, ON_TIME, 10.0, source="x" * 501)


def test_removing_a_value_that_is_not_there_or_from_no_review_says_so(url: str) -> None:
    with _session(url) as session, pytest.raises(NotFound) as missing:
        remove_kpi_value(session, REVIEW, ON_TIME)
    assert missing.value.hint == "No KPI has a value."
    with _session(url) as session, pytest.raises(ReviewNotFound):
        set_kpi_value(session, "Nope", ON_TIME, 10.0)


def test_roi_costs_are_summed_over_the_programmes_of_the_evaluated_people(url: str) -> None:
    with _session(url) as session:
        for name, per, other in (
            ("Leading together", 1_500.0, 4_000.0),
            ("Coaching", 800.0, None),
            ("Uncosted", None, None),
            ("Nobody enrolled", 9_999.0, 9_999.0),
        ):
            create_programme(
                session, REVIEW, name, start_date=date(2025, 1, 1), cost_per_participant=per,
                other_costs=other,
            )  # fmt: skip
        enrol(session, REVIEW, "Leading together", ["C2", "S2"])
        enrol(session, REVIEW, "Coaching", ["S1"])
        enrol(session, REVIEW, "Uncosted", ["C1"])
        set_kpi_value(session, REVIEW, ON_TIME, 2500.0, periods=4)
    enrolments = pd.DataFrame(
        {"person_id": ["C2", "S2", "S1", "C1"],
         "programme": ["Leading together", "Leading together", "Coaching", "Uncosted"]}
    )  # fmt: skip
    with _session(url) as session:
        inputs = roi_inputs(session, REVIEW, enrolments)
    assert [v.kpi for v in inputs.values] == [ON_TIME]
    costs = inputs.costs
    assert costs is not None
    # by hand: 2 × 1,500 + 4,000 (Leading together) + 1 × 800 (Coaching); the programme
    # nobody took is not counted and the uncosted one is named, not taken as free
    assert costs.participants == 3
    assert costs.total == pytest.approx(2 * 1_500 + 4_000 + 800)
    assert costs.other_costs == pytest.approx(4_000)
    assert inputs.costs_note is not None
    assert "summed over the programmes" in inputs.costs_note
    assert "'Coaching': 1 enrolled × 800.00" in inputs.costs_note
    assert "Not counted, no costs recorded: 'Uncosted'" in inputs.costs_note
    assert "Nobody enrolled" not in inputs.costs_note


def test_no_costs_recorded_gives_no_costs_and_says_which_programme(url: str) -> None:
    with _session(url) as session:
        create_programme(session, REVIEW, "Uncosted")
        enrol(session, REVIEW, "Uncosted", ["C1"])
        inputs = roi_inputs(
            session, REVIEW, pd.DataFrame({"person_id": ["C1"], "programme": ["Uncosted"]})
        )
    assert inputs.costs is None
    assert inputs.costs_note == "No costs are recorded for 'Uncosted'."
