"""Personal development plans: generation, status changes, overdue actions and reminders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from builders import default_framework, small_simulation
from colead.analysis import analyse_wave
from colead.analysis.plans import focus_practices
from colead.config import load_settings
from colead.development.plan_reminders import send_overdue_reminders
from colead.development.plans import (
    ActionChange,
    add_custom_action,
    default_due_date,
    generate_plans,
    list_plan_actions,
    overdue_actions,
    set_plan_status,
    update_action,
)
from colead.errors import InvalidData, InvalidTransition, NotFound, UnknownPerson
from colead.jobs.demo import store_simulation
from colead.store import init_database, open_database, transaction
from colead.store.reviews import get_review, load_framework_version
from colead.store.schema import Action, AuditEntry, DevelopmentPlan, Person
from colead.store.schema_console import MailEvent
from colead.store.waves import get_wave, load_wave_data
from mail import test_smtp as test_mail
from mail.test_smtp import SENDER, Collector

pytestmark = pytest.mark.integration

smtp = test_mail.smtp
PEOPLE = ["P00001", "P00002", "P00003"]
DUE = date(2027, 3, 31)
LEADERSHIP = ["model", "inspire", "challenge", "enable", "encourage"]


@pytest.fixture
def stored(database_url: str) -> Iterator[tuple[Engine, str]]:
    init_database(database_url)
    engine = open_database(database_url)
    try:
        result = store_simulation(engine, small_simulation(11), default_framework())
        yield engine, result.review
    finally:
        engine.dispose()


def _audits(engine: Engine, action: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _settings(port: int) -> Any:
    return load_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", mail_from=SENDER)


def test_due_date_defaults_to_ninety_days_after_closing_or_today() -> None:
    today = date(2026, 5, 1)
    assert default_due_date(None, today) == date(2026, 7, 30)
    closed = datetime(2026, 1, 10, 17, 0, tzinfo=UTC)
    assert default_due_date(closed, today) == date(2026, 4, 10)


def test_plans_hold_two_library_actions_per_focus_practice_and_are_made_once(
    stored: tuple[Engine, str],
) -> None:
    engine, review = stored
    made = generate_plans(engine, review, "baseline", PEOPLE, actor="tester", due=DUE)
    assert [p.person for p in made.created] == PEOPLE
    assert made.existing == () and made.without_focus == ()
    # the same choice, computed here straight from the engine's scores
    with transaction(engine) as session:
        review_row = get_review(session, review)
        wave = get_wave(session, review_row, "baseline")
        framework = load_framework_version(session, wave.framework_version_id)
        data = load_wave_data(session, review_row, wave, framework)
    expected = focus_practices(analyse_wave(data, 3).person_scores.table, LEADERSHIP)
    library = {s.id: [a.text for a in s.actions] for s in default_framework().scales}
    with transaction(engine) as session:
        for plan in made.created:
            assert plan.practices == tuple(f.scale_id for f in expected[plan.person])
            actions = list_plan_actions(session, review, person=plan.person)
            assert [(a.practice_id, a.description) for a in actions] == [
                (s, text) for s in plan.practices for text in library[s][:2]
            ]
            assert {(a.owner, a.due_date, a.status, a.plan_status) for a in actions} == {
                (plan.person, DUE, "open", "draft")
            }
    again = generate_plans(engine, review, "baseline", [*PEOPLE, "P00004"], actor="tester")
    assert again.existing == tuple(PEOPLE)
    assert [p.person for p in again.created] == ["P00004"]
    with transaction(engine) as session:
        assert len(session.scalars(select(DevelopmentPlan)).all()) == 4
    entries = _audits(engine, "generate_plan")
    assert len(entries) == 4 and entries[0].actor == "tester"
    assert entries[0].detail is not None and entries[0].detail["due"] == DUE.isoformat()


def test_unknown_people_are_refused_before_anything_is_written(
    stored: tuple[Engine, str],
) -> None:
    engine, review = stored
    with pytest.raises(UnknownPerson, match="NOBODY"):
        generate_plans(engine, review, None, ["P00001", "NOBODY"], actor="tester")
    with transaction(engine) as session:
        assert session.scalars(select(DevelopmentPlan)).all() == []


def test_plan_and_action_statuses_edits_and_custom_actions(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    made = generate_plans(engine, review, "baseline", ["P00001"], actor="tester", due=DUE)
    plan_id = made.created[0].plan_id
    with transaction(engine) as session:
        first, second = (a.id for a in list_plan_actions(session, review)[:2])
        assert set_plan_status(session, plan_id, "agreed", actor="tester") == "draft"
        with pytest.raises(InvalidTransition):
            set_plan_status(session, plan_id, "draft", actor="tester")
        with pytest.raises(InvalidData):
            set_plan_status(session, plan_id, "finished", actor="tester")
        update_action(session, first, ActionChange(status="in_progress"), actor="tester")
        update_action(
            session,
            second,
            ActionChange(status="dropped", text="  Ask   the partner first ", owner="P00002"),
            actor="tester",
        )
        with pytest.raises(InvalidTransition):
            update_action(session, second, ActionChange(status="done"), actor="tester")
        with pytest.raises(InvalidData, match="empty"):
            update_action(session, first, ActionChange(text="   "), actor="tester")
        with pytest.raises(NotFound):
            update_action(session, 999_999, ActionChange(status="done"), actor="tester")
        new = add_custom_action(session, plan_id, "Shadow a partner site lead", actor="tester")
    with transaction(engine) as session:
        rows = {a.id: a for a in list_plan_actions(session, review, person="P00001")}
        assert rows[first].status == "in_progress"
        assert (rows[second].status, rows[second].description, rows[second].owner) == (
            "dropped",
            "Ask the partner first",
            "P00002",
        )
        assert (rows[new].owner, rows[new].due_date, rows[new].status) == ("P00001", DUE, "open")
        assert rows[new].plan_status == "agreed"
    changed = _audits(engine, "update_action")
    assert [e.entity_id for e in changed] == [first, second]
    assert changed[1].detail is not None and changed[1].detail["status"] == ["open", "dropped"]
    assert len(_audits(engine, "plan_status")) == 1 and len(_audits(engine, "add_action")) == 1


def test_overdue_lists_only_open_actions_past_their_date(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    generate_plans(engine, review, "baseline", PEOPLE[:2], actor="tester", due=DUE)
    after = DUE + timedelta(days=1)
    with transaction(engine) as session:
        assert overdue_actions(session, DUE, review) == []
        first = list_plan_actions(session, review)[0].id
        update_action(session, first, ActionChange(status="done"), actor="tester")
        late = overdue_actions(session, after, review)
        assert first not in {a.id for a in late}
        assert len(late) == len(list_plan_actions(session, review)) - 1
        assert list_plan_actions(session, review, overdue_on=after) == late


def _events(engine: Engine) -> list[MailEvent]:
    with transaction(engine) as session:
        return list(session.scalars(select(MailEvent).order_by(MailEvent.id)))


def test_owners_of_overdue_actions_get_one_letter_each_and_not_again_within_a_week(
    stored: tuple[Engine, str], smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    engine, review = stored
    generate_plans(engine, review, "baseline", PEOPLE, actor="tester", due=DUE)
    with transaction(engine) as session:
        emails = {
            p.external_id: p.email
            for p in session.scalars(select(Person).where(Person.external_id.in_(PEOPLE)))
        }
        # one person's actions go to a colleague; one person has no address
        one = list_plan_actions(session, review, person="P00001")[0]
        update_action(session, one.id, ActionChange(owner="P00002"), actor="tester")
        session.execute(update(Person).where(Person.external_id == "P00003").values(email=None))
    now = datetime.combine(DUE + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    settings = _settings(port)
    planned = send_overdue_reminders(engine, settings, now, dry_run=True)
    assert [(o.person, o.status) for o in planned.outcomes] == [
        ("P00001", "planned"),
        ("P00002", "planned"),
    ]
    assert planned.no_email == ("P00003",) and handler.envelopes == [] and _events(engine) == []
    run = send_overdue_reminders(engine, settings, now)
    assert [o.status for o in run.outcomes] == ["sent", "sent"]
    counts = {o.person: o.actions for o in run.outcomes}
    with transaction(engine) as session:
        total = {p: len(list_plan_actions(session, review, person=p)) for p in PEOPLE[:2]}
    assert counts == {"P00001": total["P00001"] - 1, "P00002": total["P00002"] + 1}
    messages = handler.messages()
    assert set(messages) == {emails["P00001"], emails["P00002"]}
    text, html = test_mail._parts(messages[emails["P00002"]])
    assert one.description in text and "3 days ago" in text
    assert "<li>" in html and "Overdue development actions" in messages[emails["P00002"]]["Subject"]
    events = _events(engine)
    assert [(e.kind, e.status, e.wave_id) for e in events] == [
        ("overdue_actions", "sent", None)
    ] * 2
    assert len(_audits(engine, "send_overdue_reminders")) == 1
    later = send_overdue_reminders(engine, settings, now + timedelta(days=2))
    assert later.outcomes == () and later.recently_reminded == ("P00001", "P00002")
    week = send_overdue_reminders(engine, settings, now + timedelta(days=8))
    assert [o.status for o in week.outcomes] == ["sent", "sent"]


def test_refused_reminders_are_recorded(
    stored: tuple[Engine, str], smtp: tuple[Collector, int]
) -> None:
    handler, port = smtp
    engine, review = stored
    generate_plans(engine, review, "baseline", ["P00001"], actor="tester", due=DUE)
    with transaction(engine) as session:
        address = session.scalars(select(Person.email).where(Person.external_id == "P00001")).one()
        assert session.scalars(select(Action)).all()
    assert address is not None
    handler.refuse.add(address)
    now = datetime.combine(DUE + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    run = send_overdue_reminders(engine, _settings(port), now, review=review)
    assert [o.status for o in run.outcomes] == ["refused"]
    assert "550" in (run.outcomes[0].error or "")
    assert [e.status for e in _events(engine)] == ["refused"]


def test_the_packaged_overdue_letter_uses_only_its_declared_variables() -> None:
    from colead.development.plan_reminders import KIND
    from colead.mail.wording import check_wording, packaged_wording, render_wording

    wording = check_wording(KIND, packaged_wording(KIND))
    sample = {
        "participant_name": "<b>Ben</b>",
        "review": "R",
        "count": 1,
        "actions": [{"text": "Share plans early.", "due": "2027-01-31", "days_overdue": 1}],
    }
    shown = render_wording(KIND, wording, sample)
    assert "One action" in shown.text and "1 day ago" in shown.text
    assert shown.html is not None and "&lt;b&gt;Ben" in shown.html
