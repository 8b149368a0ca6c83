"""Nominations: the rules of proposing raters, approval and decline, and their commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from colead.cli import app
from colead.domain import WaveStatus
from colead.errors import AlreadyExists, ColeadError, Conflict, InvalidData, WaveClosed
from colead.fieldwork.nominations import (
    MAX_PENDING,
    Placement,
    approve_nominations,
    decline_nominations,
    nominate,
)
from colead.store import make_engine, transaction
from colead.store.participants import ParticipantRecord, find_participant
from colead.store.people import person_ids
from colead.store.reviews import get_review
from colead.store.schema import Assignment, Person
from colead.store.schema_console import Nomination
from colead.store.waves import hash_token
from web.participant.test_pages import issue_links
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_survey_review(database_url)


@contextmanager
def _session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def _participant(stored: SurveyDatabase, person: str = "C2") -> ParticipantRecord:
    token = issue_links(stored.url, "baseline")[person]
    with _session(stored.url) as session:
        found = find_participant(session, hash_token(token))
    assert found is not None
    return found


def _ids(url: str) -> dict[str, int]:
    with _session(url) as session:
        return person_ids(session, get_review(session, REVIEW).id)


def _count(url: str, model: type, **where: object) -> int:
    with _session(url) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.scalar(query) or 0)


def test_nominations_refuse_what_they_should(stored: SurveyDatabase) -> None:
    me = _participant(stored)
    ids = _ids(stored.url)
    with _session(stored.url) as session:
        with pytest.raises(InvalidData, match="relation"):
            nominate(session, me, relation="self", rater_id=ids["S2"])
        with pytest.raises(InvalidData, match="yourself"):
            nominate(session, me, relation="peer", name="Me", email="BEN@client.test ")
        with pytest.raises(InvalidData, match="e-mail"):
            nominate(session, me, relation="peer", name="Eve", email="not an address")
        with pytest.raises(InvalidData, match="name"):
            nominate(session, me, relation="peer", name="  ", email="eve@new.test")
        with pytest.raises(AlreadyExists):  # S1 rates C2 already
            nominate(session, me, relation="peer", rater_id=ids["S1"])
        nominate(session, me, relation="peer", name="Eve", email="eve@new.test")
    with _session(stored.url) as session, pytest.raises(AlreadyExists):
        nominate(session, me, relation="other", name="Eve Again", email="EVE@new.test")
    assert _count(stored.url, Nomination) == 1


def test_only_the_recorded_line_manager_can_be_nominated_as_line_manager(
    stored: SurveyDatabase,
) -> None:
    """A manager is shown on their own in the report: a colleague nominated as "line
    manager" would be exposed (tests/reliability/test_anonymity_defeat.py)."""
    me = _participant(stored)  # C2, whose line manager on record is C1
    ids = _ids(stored.url)
    with _session(stored.url) as session:
        with pytest.raises(InvalidData, match="line manager on record"):
            nominate(session, me, relation="manager", rater_id=ids["S2"])
        with pytest.raises(InvalidData, match="line manager on record"):
            nominate(session, me, relation="manager", name="Eve", email="eve@new.test")
        with pytest.raises(AlreadyExists):  # C1 is the manager and already asked
            nominate(session, me, relation="manager", rater_id=ids["C1"])
        nominate(session, me, relation="peer", rater_id=ids["S2"])
    assert _count(stored.url, Nomination) == 1


def test_at_most_max_pending_nominations(stored: SurveyDatabase) -> None:
    me = _participant(stored)
    with _session(stored.url) as session:
        for k in range(MAX_PENDING):
            nominate(session, me, relation="peer", name=f"P {k}", email=f"p{k}@x.test")
    with _session(stored.url) as session, pytest.raises(Conflict, match="waiting"):
        nominate(session, me, relation="peer", name="One more", email="more@x.test")
    assert _count(stored.url, Nomination) == MAX_PENDING


def test_a_nominated_address_already_in_the_review_is_not_added_twice(
    stored: SurveyDatabase,
) -> None:
    me = _participant(stored)
    with _session(stored.url) as session:
        made = nominate(session, me, relation="peer", name="Di", email="DI@supplier.test")
    people = _count(stored.url, Person)
    with _session(stored.url) as session:
        (approval,) = approve_nominations(session, REVIEW, "baseline", [made.id], actor="a@x")
    assert not approval.created_person
    assert approval.rater_id == _ids(stored.url)["S2"]
    assert _count(stored.url, Person) == people


def test_a_chosen_person_id_must_be_free(stored: SurveyDatabase) -> None:
    me = _participant(stored)
    with _session(stored.url) as session:
        made = nominate(session, me, relation="peer", name="Eve", email="eve@new.test")
    with _session(stored.url) as session, pytest.raises(AlreadyExists, match="S1"):
        approve_nominations(
            session, REVIEW, "baseline", [made.id], actor="a", placement=Placement(external_id="S1")
        )
    with _session(stored.url) as session, pytest.raises(InvalidData, match="Nowhere"):
        approve_nominations(
            session, REVIEW, "baseline", [made.id], actor="a", placement=Placement(site="Nowhere")
        )
    with _session(stored.url) as session:
        approve_nominations(
            session, REVIEW, "baseline", [made.id], actor="a", placement=Placement(external_id="E9")
        )
    assert _count(stored.url, Person, external_id="E9", email="eve@new.test") == 1


def test_decline_and_approve_refuse_decided_and_closed(stored: SurveyDatabase) -> None:
    me = _participant(stored)
    with _session(stored.url) as session:
        first = nominate(session, me, relation="peer", name="Eve", email="eve@new.test")
        second = nominate(session, me, relation="peer", name="Fay", email="fay@new.test")
        decline_nominations(session, REVIEW, "baseline", [first.id], actor="a", note="no")
    with _session(stored.url) as session, pytest.raises(Conflict, match="declined"):
        approve_nominations(session, REVIEW, "baseline", [first.id], actor="a")
    stored.set_status("baseline", WaveStatus.closed)
    with _session(stored.url) as session, pytest.raises(WaveClosed):
        approve_nominations(session, REVIEW, "baseline", [second.id], actor="a")
    with _session(stored.url) as session, pytest.raises(WaveClosed):
        nominate(session, me, relation="peer", name="Gus", email="gus@new.test")
    assert _count(stored.url, Nomination, status="pending") == 1


def _cli(url: str, *args: str) -> tuple[int, str]:
    """Exit code and output; a domain error gives its own exit code and message, as
    ``colead.cli.main`` does."""
    result = CliRunner().invoke(app, [*args, "--review", REVIEW, "--wave", "baseline", "--db", url])
    if isinstance(result.exception, ColeadError):
        return result.exception.exit_code, str(result.exception)
    return result.exit_code, result.output


def test_the_nominations_commands(stored: SurveyDatabase) -> None:
    me = _participant(stored)
    with _session(stored.url) as session:
        eve = nominate(session, me, relation="peer", name="Eve New", email="eve@new.test")
        fay = nominate(session, me, relation="partner", name="Fay New", email="fay@new.test")
        gus = nominate(session, me, relation="other", name="Gus New", email="gus@new.test")
    code, output = _cli(stored.url, "nominations", "list")
    assert code == 0 and "Eve New" in output and "pending" in output
    code, output = _cli(stored.url, "nominations", "approve")
    assert code == 2 and "--all-pending" in output
    forms = _count(stored.url, Assignment)
    code, output = _cli(stored.url, "nominations", "approve", "--id", str(eve.id))
    assert code == 0, output
    assert "Approved 1 nomination(s); 1 new person(s)" in output
    code, output = _cli(stored.url, "nominations", "approve", "--id", str(eve.id))
    assert code == 6 and "already approved" in output
    code, output = _cli(stored.url, "nominations", "decline", "--id", str(fay.id), "--note", "x")
    assert code == 0 and "Declined 1" in output
    code, output = _cli(stored.url, "nominations", "approve", "--all-pending")
    assert code == 0 and "Approved 1 nomination(s)" in output
    assert _count(stored.url, Assignment) == forms + 2
    assert _count(stored.url, Nomination, id=gus.id, status="approved") == 1
    assert _count(stored.url, Nomination, id=fay.id, status="declined", note="x") == 1


def test_one_new_person_nominated_by_two_participants_is_added_once(
    stored: SurveyDatabase,
) -> None:
    links = issue_links(stored.url, "baseline")
    with _session(stored.url) as session:
        for person in ("C2", "S1"):
            found = find_participant(session, hash_token(links[person]))
            assert found is not None
            nominate(session, found, relation="partner", name="Eve", email="eve@new.test")
    people, forms = _count(stored.url, Person), _count(stored.url, Assignment)
    with _session(stored.url) as session:
        approvals = approve_nominations(session, REVIEW, "baseline", None, actor="a")
    assert [a.created_person for a in approvals] == [True, False]
    assert len({a.rater_id for a in approvals}) == 1
    assert _count(stored.url, Person) == people + 1
    assert _count(stored.url, Assignment) == forms + 2
