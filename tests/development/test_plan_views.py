"""Plans as the console and participant links see them, and programme costs changed later."""

from __future__ import annotations

from datetime import date

import pytest

from colead.development import plan_views, programmes
from colead.errors import InvalidData, NotFound
from colead.store.people import person_ids
from colead.store.reviews import get_review
from web.development_loop import audit_rows, make_plan, session_on
from web.stored import REVIEW, store_survey_review

pytestmark = pytest.mark.integration

TODAY = date(2026, 6, 1)


def test_plans_are_counted_and_shown_to_the_person_and_their_manager(
    database_url: str,
) -> None:
    db = store_survey_review(database_url)
    s2_plan, (late, soon) = make_plan(
        database_url,
        REVIEW,
        "S2",
        [("Late one", date(2026, 5, 1)), ("Soon one", date(2026, 7, 1))],
        db.wave_ids["baseline"],
    )
    c2_plan, _ = make_plan(database_url, REVIEW, "C2", [("Done one", date(2026, 1, 1))], None)
    with session_on(database_url) as session:
        review = get_review(session, REVIEW)
        ids = person_ids(session, review.id)
        listed = {p.person: p for p in plan_views.list_plans(session, REVIEW, TODAY)}
        assert sorted(listed) == ["C2", "S2"]
        s2 = listed["S2"]
        # by hand: two open actions, one due before 1 June 2026
        assert (s2.actions, s2.done, s2.still_open, s2.overdue, s2.next_due) == (
            2,
            0,
            2,
            1,
            date(2026, 5, 1),
        )
        assert listed["C2"].wave is None and s2.wave == "baseline"

        seen_by_s1 = plan_views.participant_plans(session, review.id, ids["S1"], TODAY)
        assert seen_by_s1.own == () and [d.plan.id for d in seen_by_s1.reports] == [s2_plan]
        seen_by_s2 = plan_views.participant_plans(session, review.id, ids["S2"], TODAY)
        assert [d.plan.id for d in seen_by_s2.own] == [s2_plan] and seen_by_s2.reports == ()
        assert [a.id for a in seen_by_s2.own[0].actions] == [late, soon]

        assert plan_views.participant_action_status(session, ids["S1"], late, "done") == (
            "manager S1"
        )
        assert plan_views.participant_note(session, ids["S2"], s2_plan, " On track ") == (
            "person S2"
        )
        with pytest.raises(NotFound):  # C2 is neither S2 nor S2's manager
            plan_views.participant_action_status(session, ids["C2"], soon, "done")
        with pytest.raises(NotFound):
            plan_views.participant_note(session, ids["S2"], c2_plan, "Not mine")
        with pytest.raises(InvalidData):
            plan_views.participant_note(session, ids["S2"], s2_plan, "x" * 1001)
        with pytest.raises(NotFound):
            plan_views.plan_detail(session, REVIEW, 999_999, TODAY)
        detail = plan_views.plan_detail(session, REVIEW, s2_plan, TODAY)
        assert (detail.plan.done, detail.plan.overdue, detail.plan.notes) == (1, 0, "On track")
    assert [actor for actor, _ in audit_rows(database_url, "update_action")] == ["manager S1"]
    notes = [(a, d["before"], d["after"]) for a, d in audit_rows(database_url, "plan_note")]
    assert notes == [("person S2", None, "On track")]


def test_programme_costs_are_replaced_and_audited(database_url: str) -> None:
    store_survey_review(database_url)
    with session_on(database_url) as session:
        programmes.create_programme(session, REVIEW, "Lead", cost_per_participant=100.0)
        programmes.enrol(session, REVIEW, "Lead", ["C2", "S2"])
        summary = programmes.set_costs(
            session, REVIEW, "Lead", cost_per_participant=120.0, other_costs=50.0, actor="me"
        )
        # 2 enrolled × 120 + 50
        assert summary.total_cost == 290.0
        unchanged = programmes.set_costs(
            session, REVIEW, "Lead", cost_per_participant=120.0, other_costs=50.0, actor="me"
        )
        assert unchanged.total_cost == 290.0
        with pytest.raises(InvalidData):
            programmes.set_costs(
                session, REVIEW, "Lead", cost_per_participant=-1.0, other_costs=None
            )
        with pytest.raises(NotFound):
            programmes.set_costs(
                session, REVIEW, "Nope", cost_per_participant=1.0, other_costs=None
            )
    entries = audit_rows(database_url, "costs")
    assert [(a, d["before"], d["after"]) for a, d in entries] == [
        ("me", [100.0, None], [120.0, 50.0])
    ]
