"""Every entity survives a write and a read, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from builders import default_framework, store_people
from colead.domain import BLANK, NOT_OBSERVED, WaveStatus
from colead.store import make_engine, transaction, upgrade
from colead.store.outcomes import get_or_create_programme, replace_enrolments, replace_kpis
from colead.store.people import people_frame as stored_people
from colead.store.people import upsert_sites
from colead.store.reviews import (
    audit,
    count_rows,
    delete_review,
    get_or_create_review,
    load_framework_version,
    register_framework,
)
from colead.store.schema import (
    Action,
    Assignment,
    AuditEntry,
    DevelopmentPlan,
    Enrolment,
    Kpi,
    Norm,
    NormSet,
    Person,
    Response,
)
from colead.store.waves import (
    PackedResponse,
    add_assignments,
    assignment_index,
    create_wave,
    hash_token,
    load_wave_data,
    save_responses,
)

pytestmark = pytest.mark.integration


def _engine(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_people_framework_wave_assignments_and_packed_responses_round_trip(
    database_url: str,
) -> None:
    framework = default_framework()
    engine = _engine(database_url)
    n_items = len(framework.item_ids)
    codes = np.full((2, n_items), BLANK, dtype=np.int8)
    codes[0, :5] = [1, 2, 3, 4, 5]
    codes[1, :3] = [NOT_OBSERVED, 5, 4]
    try:
        with transaction(engine) as session:
            review, created = get_or_create_review(session, "Client Co – Supplier Ltd")
            assert created
            ids = store_people(session, review.id)
            version = register_framework(session, framework)
            assert register_framework(session, framework).id == version.id
            wave = create_wave(session, review.id, "baseline", version.id, WaveStatus.open)
            tokens = add_assignments(
                session,
                wave.id,
                [(ids["C2"], ids["C2"], "self"), (ids["C2"], ids["S2"], "partner")],
            )
            index = assignment_index(session, wave.id)
            save_responses(
                session,
                version.id,
                [
                    PackedResponse(
                        index[(ids["C2"], ids["C2"])][0], codes[0].tobytes(), "Listens", None
                    ),
                    PackedResponse(
                        index[(ids["C2"], ids["S2"])][0], codes[1].tobytes(), None, "Share plans"
                    ),
                ],
            )
        with transaction(engine) as session:
            review, created = get_or_create_review(session, "Client Co – Supplier Ltd")
            assert not created
            people = stored_people(session, review.id)
            assert list(people["person_id"]) == ["C1", "C2", "S1", "S2"]
            assert people.set_index("person_id").loc["C2", "manager_id"] == "C1"
            assert people.set_index("person_id").loc["S2", "organisation_role"] == "supplier"
            assert load_framework_version(session, version.id).fingerprint == framework.fingerprint
            stored_hashes = set(session.scalars(select(Assignment.token_hash)))
            assert stored_hashes == {hash_token(t) for t in tokens.values()}
            assert not set(tokens.values()) & stored_hashes  # plain tokens never stored
            assert all(len(t) >= 43 for t in tokens.values())  # >= 256 bits, urlsafe base64
            wave_data = load_wave_data(session, review, wave, framework, published_only=False)
        np.testing.assert_array_equal(wave_data.values, codes)
        assert list(wave_data.responses["relation"]) == ["self", "partner"]
        assert wave_data.assignments["completed"].tolist() == [True, True]
    finally:
        engine.dispose()


def test_saving_a_response_again_replaces_it(database_url: str) -> None:
    framework = default_framework()
    engine = _engine(database_url)
    try:
        with transaction(engine) as session:
            review, _ = get_or_create_review(session, "R")
            ids = store_people(session, review.id)
            version = register_framework(session, framework)
            wave = create_wave(session, review.id, "w1", version.id)
            add_assignments(session, wave.id, [(ids["C1"], ids["C1"], "self")])
            ((assignment_id, _),) = assignment_index(session, wave.id).values()
            n = len(framework.item_ids)
            for value in (2, 4):
                row = np.full(n, value, dtype=np.int8).tobytes()
                save_responses(
                    session, version.id, [PackedResponse(assignment_id, row, None, None)]
                )
            assert count_rows(session, Response) == 1
            data = load_wave_data(session, review, wave, framework, published_only=False)
        assert set(np.unique(data.values)) == {4}
    finally:
        engine.dispose()


def test_a_submitted_form_always_holds_an_answer(database_url: str) -> None:
    """The store refuses a completed form with nothing in it; a draft may be empty, and a
    form whose only answer is "not observed" or a comment is a form."""
    framework = default_framework()
    engine = _engine(database_url)
    n = len(framework.item_ids)
    empty = np.full(n, BLANK, dtype=np.int8).tobytes()
    observed = np.full(n, BLANK, dtype=np.int8)
    observed[3] = NOT_OBSERVED
    try:
        with transaction(engine) as session:
            review, _ = get_or_create_review(session, "R")
            ids = store_people(session, review.id)
            version = register_framework(session, framework)
            wave = create_wave(session, review.id, "w1", version.id)
            pairs = [(ids["C1"], ids["C1"], "self"), (ids["C1"], ids["S1"], "partner")]
            add_assignments(session, wave.id, pairs)
            first, second = sorted(a for a, _ in assignment_index(session, wave.id).values())
            with pytest.raises(ValueError, match="must hold an answer"):
                save_responses(session, version.id, [PackedResponse(first, empty, None, None)])
            with pytest.raises(ValueError, match="must hold an answer"):
                save_responses(session, version.id, [PackedResponse(first, empty, "", None)])
            assert save_responses(
                session,
                version.id,
                [
                    PackedResponse(first, empty, None, None, submitted=False),
                    PackedResponse(second, observed.tobytes(), None, None),
                ],
            ) == (2, 0, 0)
            assert save_responses(
                session, version.id, [PackedResponse(first, empty, "Good", None)]
            ) == (0, 1, 0)
            submitted = dict(
                session.execute(
                    select(Response.assignment_id, Response.submitted_at.is_not(None))
                ).all()
            )
        assert submitted == {first: True, second: True}
    finally:
        engine.dispose()


def test_outcomes_plans_norms_and_audit_round_trip_and_cascade(database_url: str) -> None:
    engine = _engine(database_url)
    try:
        with transaction(engine) as session:
            review, _ = get_or_create_review(session, "R")
            ids = store_people(session, review.id)
            site_id = upsert_sites(session, review.id, {})["North"]
            replace_kpis(
                session,
                review.id,
                [
                    {
                        "site_id": site_id,
                        "period": "2024-Q1",
                        "name": "On-time (%)",
                        "value": 91.5,
                        "higher_is_better": True,
                        "target": 95.0,
                    },
                ],
            )
            replace_kpis(
                session,
                review.id,
                [
                    {
                        "site_id": site_id,
                        "period": "2024-Q1",
                        "name": "On-time (%)",
                        "value": 92.0,
                        "higher_is_better": True,
                        "target": 95.0,
                    },
                ],
            )
            programme = get_or_create_programme(
                session,
                review.id,
                "Leading across boundaries",
                provider="B2B",
                start_date=date(2024, 6, 1),
                end_date=date(2024, 11, 30),
                cost_per_participant=1800.0,
            )
            replace_enrolments(
                session,
                programme.id,
                [
                    {
                        "person_id": ids["S2"],
                        "start_date": date(2024, 6, 1),
                        "end_date": None,
                        "completed": True,
                    },
                ],
            )
            plan = DevelopmentPlan(person_id=ids["S2"], status="agreed", notes="Enable the team")
            session.add(plan)
            session.flush()
            session.add(
                Action(
                    review_id=review.id,
                    plan_id=plan.id,
                    practice_id="enable",
                    description="Run a joint planning session",
                    owner="S2",
                )
            )
            norm_set = NormSet(
                name="Synthetic demo norms", source="colead.simulation", synthetic=True
            )
            session.add(norm_set)
            session.flush()
            session.add(
                Norm(norm_set_id=norm_set.id, scale_id="model", n=500, mean=3.6, sd=0.5, p50=3.6)
            )
            audit(session, "tester", "note", "review", review.id, review_id=review.id, why="test")
        with transaction(engine) as session:
            (kpi,) = session.scalars(select(Kpi)).all()
            assert (kpi.period, kpi.value, kpi.target) == ("2024-Q1", 92.0, 95.0)
            (enrolment,) = session.scalars(select(Enrolment)).all()
            assert enrolment.completed and enrolment.start_date == date(2024, 6, 1)
            assert session.scalars(select(Norm.mean)).one() == 3.6
            assert session.scalars(select(AuditEntry.detail)).all()[-1] == {"why": "test"}
            review, _ = get_or_create_review(session, "R")
            delete_review(session, review)
        with transaction(engine) as session:
            for model in (Person, Kpi, Enrolment, DevelopmentPlan, Action):
                assert count_rows(session, model) == 0, model.__name__
            # the audit log outlives what it describes
            assert session.scalars(select(AuditEntry.action)).all()[-1] == "delete"
    finally:
        engine.dispose()
