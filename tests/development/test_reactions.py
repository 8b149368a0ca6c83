"""The programme reaction questionnaire (Kirkpatrick level 1): links, answers, letters
through a real SMTP server, status, the summary and its anonymity minimum, bulk answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from builders import people_frame
from colead.development.programmes import create_programme, enrol, set_completed
from colead.development.reaction_mail import send_reaction_invitations, send_reaction_reminders
from colead.development.reactions import (
    ITEMS,
    ReactionAlreadySubmitted,
    ReactionInvalid,
    create_reaction_links,
    open_reaction,
    reaction_status,
    reaction_summary,
    record_reactions_bulk,
    submit_reaction,
    validate_answers,
)
from colead.errors import Conflict, InvalidResponse, NotFound, UnknownRater
from colead.ingest.importing import import_file
from colead.mail.review_wording import save_review_wording
from colead.mail.smtp import MailServer
from colead.mail.wording import Wording
from colead.store import make_engine, transaction
from colead.store.reactions import submitted_reaction_scores
from colead.store.reviews import get_review
from colead.store.schema import AuditEntry
from colead.store.schema_console import MailEvent
from colead.store.schema_development import ProgrammeReaction
from colead.store.waves import hash_token
from mail.test_smtp import Collector, free_port

pytestmark = pytest.mark.integration

REVIEW = "Facilities"
PROGRAMME = "Leading together"
BASE = "https://survey.example.org"
SENDER = "Leadership review <review@colead.test>"
ALL_AGREE = {item.id: 4 for item in ITEMS}


def store_reaction_programme(url: str, folder: Path) -> str:
    """A review of seven people, all enrolled in one programme; five completed it.

    P1 and P2 did not complete; P3 completed but has no e-mail address.
    """
    extra: list[dict[str, object]] = [
        {"person_id": pid, "name": name, "email": email, "organisation": "Client Co",
         "organisation_role": "client", "site": "North", "role_title": "Engineer",
         "level": 4, "manager_id": "C2"}
        for pid, name, email in (
            ("P1", "Eve Partial", "eve@client.test"),
            ("P2", "Fay Partial", "fay@client.test"),
            ("P3", "Gus Nomail", None),
        )
    ]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    people_frame(extra).to_csv(folder / "people.csv", index=False)
    outcome = import_file(url, "people", folder / "people.csv", review=REVIEW)
    assert outcome.rejected == 0, outcome.problems
    with session_on(url) as session:
        create_programme(session, REVIEW, PROGRAMME, actor="tester")
        enrol(session, REVIEW, PROGRAMME, ["C1", "C2", "S1", "S2", "P1", "P2", "P3"], actor="t")
        set_completed(session, REVIEW, PROGRAMME, ["C1", "C2", "S1", "S2", "P3"], actor="t")
    return url


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def engine_on(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    from colead.store import init_database

    init_database(database_url)
    return store_reaction_programme(database_url, tmp_path / "data")


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, MailServer]]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, MailServer("127.0.0.1", port, "none", None, None, SENDER)
    finally:
        controller.stop()


def _audit(url: str, action: str) -> list[dict[str, Any]]:
    with session_on(url) as session:
        query = select(AuditEntry.detail).where(AuditEntry.action == action)
        return [d or {} for d in session.scalars(query.order_by(AuditEntry.id))]


def _stored(url: str) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    with session_on(url) as session:
        rows = session.execute(
            select(
                ProgrammeReaction.token_hash, ProgrammeReaction.answers, ProgrammeReaction.comment
            ).order_by(ProgrammeReaction.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _link_token(text: str) -> str:
    [token] = [w.rsplit("/r/", 1)[1] for w in text.split() if w.startswith(f"{BASE}/r/")]
    return token


def _text(message: Any) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


# --- answers -------------------------------------------------------------------------------


def test_answers_are_checked_against_the_scale_and_the_items() -> None:
    posted = {item.id: str(v) for item, v in zip(ITEMS, (1, 2, 3, 4, 5, 5), strict=True)}
    assert validate_answers(posted) == dict(
        zip([i.id for i in ITEMS], (1, 2, 3, 4, 5, 5), strict=True)
    )
    assert validate_answers({**ALL_AGREE, "relevance": np.int64(5)})["relevance"] == 5
    with pytest.raises(InvalidResponse, match="relevance: not one of the answers 1 to 5"):
        validate_answers({**ALL_AGREE, "relevance": 6})
    with pytest.raises(ReactionInvalid) as refused:
        validate_answers(
            {**ALL_AGREE, "apply": "4.5", "partner": True, "recommend": ["4", "5"], "evil": 3}
        )
    assert set(refused.value.problems) == {"apply", "partner", "recommend", "evil"}
    assert refused.value.problems["evil"] == "not a question of this questionnaire"
    missing = {k: v for k, v in ALL_AGREE.items() if k != "satisfaction"}
    with pytest.raises(ReactionInvalid, match="satisfaction: no answer"):
        validate_answers(missing)


def test_links_go_to_those_who_completed_or_to_everyone_enrolled(url: str) -> None:
    with session_on(url) as session:
        completed = create_reaction_links(session, REVIEW, PROGRAMME, actor="tester")
    assert sorted(completed) == ["C1", "C2", "P3", "S1", "S2"]
    with session_on(url) as session:
        everyone = create_reaction_links(session, REVIEW, PROGRAMME, audience="all", actor="t")
    assert sorted(everyone) == ["C1", "C2", "P1", "P2", "P3", "S1", "S2"]
    stored = {h for h, _, _ in _stored(url)}
    # only hashes are kept, and a new link replaces the earlier one
    assert stored == {hash_token(t) for t in everyone.values()}
    with session_on(url) as session, pytest.raises(UnknownRater):
        open_reaction(session, completed["C1"])
    assert _audit(url, "create_reaction_links")[0]["people"] == ["C1", "C2", "P3", "S1", "S2"]


def test_one_submission_per_link_and_bad_answers_store_nothing(url: str) -> None:
    with session_on(url) as session:
        tokens = create_reaction_links(session, REVIEW, PROGRAMME, actor="tester")
    token = tokens["C2"]
    with session_on(url) as session:
        record = open_reaction(session, token)
        assert (record.programme, record.person_name, record.submitted_at) == (
            PROGRAMME,
            "Ben Client",
            None,
        )
    with session_on(url) as session, pytest.raises(ReactionInvalid):
        submit_reaction(session, token, {**ALL_AGREE, "apply": "9"}, "nope", minimum=3)
    assert all(answers is None for _, answers, _ in _stored(url))
    with session_on(url) as session:
        done = submit_reaction(session, token, ALL_AGREE, "  Useful\r\nsessions.\x07 ", minimum=3)
    assert done.submitted_at is not None
    with session_on(url) as session, pytest.raises(ReactionAlreadySubmitted):
        submit_reaction(session, token, {**ALL_AGREE, "apply": 1}, "changed my mind", minimum=3)
    [answered] = [(a, c) for h, a, c in _stored(url) if h == hash_token(token)]
    assert answered == (ALL_AGREE, "Useful\nsessions.")


@pytest.mark.parametrize("token", ["short", "x" * 43, "../../etc/passwd-is-not-a-token"])
def test_unknown_links_get_the_one_link_error(url: str, token: str) -> None:
    with session_on(url) as session, pytest.raises(UnknownRater):
        open_reaction(session, token)
    with session_on(url) as session, pytest.raises(UnknownRater):
        submit_reaction(session, token, ALL_AGREE, minimum=3)


def test_a_comment_longer_than_allowed_is_refused(url: str) -> None:
    with session_on(url) as session:
        token = create_reaction_links(session, REVIEW, PROGRAMME, actor="tester")["C1"]
    with session_on(url) as session, pytest.raises(ReactionInvalid, match="comment"):
        submit_reaction(session, token, ALL_AGREE, "x" * 4001, minimum=3)


def test_an_unknown_programme_is_named_with_the_known_ones(url: str) -> None:
    with session_on(url) as session, pytest.raises(NotFound, match="Leading together"):
        reaction_status(session, REVIEW, "Nope")


# --- letters -------------------------------------------------------------------------------


def test_invitations_reach_those_who_completed_with_working_personal_links(
    url: str, smtp: tuple[Collector, MailServer]
) -> None:
    handler, server = smtp
    handler.refuse.add("cy@supplier.test")
    with engine_on(url) as engine:
        run = send_reaction_invitations(
            engine, REVIEW, PROGRAMME, server=server, base_url=BASE, actor="tester"
        )
    assert sorted(o.person_id for o in run.sent) == ["C1", "C2", "S2"]
    assert [o.person_id for o in run.refused] == ["S1"]
    assert run.no_email == ("P3",)
    messages = handler.messages()
    assert sorted(messages) == ["ana@client.test", "ben@client.test", "di@supplier.test"]
    ben = messages["ben@client.test"]
    assert ben["Subject"] == f"How was {PROGRAMME}? Two minutes of feedback"
    text = _text(ben)
    assert "Dear Ben Client," in text and PROGRAMME in text
    with session_on(url) as session:
        assert open_reaction(session, _link_token(text)).person_name == "Ben Client"
        status = reaction_status(session, REVIEW, PROGRAMME)
    invited = {p.person_id for p in status.people if p.invited_at is not None}
    assert invited == {"C1", "C2", "S2"}  # the refused one is not counted as invited
    with session_on(url) as session:
        events = session.execute(select(MailEvent.kind, MailEvent.status, MailEvent.email))
        assert sorted(events) == [
            ("reaction", "refused", "cy@supplier.test"),
            ("reaction", "sent", "ana@client.test"),
            ("reaction", "sent", "ben@client.test"),
            ("reaction", "sent", "di@supplier.test"),
        ]
    [entry] = _audit(url, "send_reaction_invitations")
    assert entry["refused"] == ["S1"] and entry["skipped_no_email"] == ["P3"]
    assert "token" not in str(entry) and "/r/" not in str(entry)

    # a second run invites nobody already invited: only the refused one is tried again
    handler.refuse.clear()
    with engine_on(url) as engine:
        again = send_reaction_invitations(
            engine, REVIEW, PROGRAMME, server=server, base_url=BASE, actor="tester"
        )
    assert [o.person_id for o in again.sent] == ["S1"] and again.already_invited == 3


def test_everyone_enrolled_can_be_invited_and_a_dry_run_changes_nothing(
    url: str, smtp: tuple[Collector, MailServer]
) -> None:
    handler, server = smtp
    with engine_on(url) as engine:
        planned = send_reaction_invitations(
            engine, REVIEW, PROGRAMME, server=server, base_url=BASE, audience="all",
            dry_run=True, actor="tester",
        )  # fmt: skip
    assert sorted(o.person_id for o in planned.outcomes) == ["C1", "C2", "P1", "P2", "S1", "S2"]
    assert {o.status for o in planned.outcomes} == {"planned"}
    assert handler.envelopes == [] and _stored(url) == []


def test_reminders_go_to_the_invited_who_have_not_answered_with_new_links(
    url: str, smtp: tuple[Collector, MailServer]
) -> None:
    handler, server = smtp
    with engine_on(url) as engine:
        send_reaction_invitations(
            engine, REVIEW, PROGRAMME, server=server, base_url=BASE, actor="tester"
        )
    first = {r: _link_token(_text(m)) for r, m in handler.messages().items()}
    with session_on(url) as session:
        submit_reaction(session, first["ana@client.test"], ALL_AGREE, minimum=3)
    handler.envelopes.clear()
    with engine_on(url) as engine:
        run = send_reaction_reminders(
            engine, REVIEW, PROGRAMME, server=server, base_url=BASE, actor="tester"
        )
    assert sorted(o.person_id for o in run.sent) == ["C2", "S1", "S2"]
    assert run.answered == 1
    ben = handler.messages()["ben@client.test"]
    assert ben["Subject"] == f"Reminder: how was {PROGRAMME}?"
    with session_on(url) as session:
        assert open_reaction(session, _link_token(_text(ben))).person_name == "Ben Client"
        with pytest.raises(UnknownRater):  # the earlier link stops working
            open_reaction(session, first["ben@client.test"])
    assert _audit(url, "send_reaction_reminders")[0]["sent"] == ["C2", "S1", "S2"]


def test_a_reviews_own_wording_is_used_for_the_letter(
    url: str, smtp: tuple[Collector, MailServer]
) -> None:
    handler, server = smtp
    own = Wording("Feedback on {{ programme }}", "Hi {{ participant_name }}: {{ url }}\n", None)
    with session_on(url) as session:
        save_review_wording(session, REVIEW, "reaction", own, actor="tester")
    with engine_on(url) as engine:
        send_reaction_invitations(
            engine, REVIEW, PROGRAMME, server=server, base_url=BASE, actor="tester"
        )
    ana = handler.messages()["ana@client.test"]
    assert ana["Subject"] == f"Feedback on {PROGRAMME}"
    assert ana.get_content().startswith("Hi Ana Client: https://survey.example.org/r/")


# --- status, summary, bulk -------------------------------------------------------------------


def _bulk(url: str, people: dict[str, dict[str, object]], **comments: str) -> int:
    with session_on(url) as session:
        return record_reactions_bulk(
            session, REVIEW, PROGRAMME, people, actor="demo", comments_by_person=comments, minimum=3
        )


def test_the_summary_is_hidden_until_the_minimum_have_answered(url: str) -> None:
    answers = {
        "C1": dict(zip([i.id for i in ITEMS], (5, 4, 4, 5, 5, 5), strict=True)),
        "C2": dict(zip([i.id for i in ITEMS], (3, 2, 4, 3, 3, 2), strict=True)),
        "S1": dict(zip([i.id for i in ITEMS], (4, 4, 5, 4, 4, 4), strict=True)),
    }
    _bulk(url, {"C1": answers["C1"], "C2": answers["C2"]}, C1="Zesty.", C2="Too long.")
    with session_on(url) as session:
        hidden = reaction_summary(session, REVIEW, PROGRAMME, minimum=3)
    assert hidden.summary.suppressed and hidden.summary.comments == ()
    assert all(row.mean is None for row in hidden.summary.items)
    _bulk(url, {"S1": answers["S1"]}, S1="  ")
    with session_on(url) as session:
        shown = reaction_summary(session, REVIEW, PROGRAMME, minimum=3)
        status = reaction_status(session, REVIEW, PROGRAMME)
    summary = shown.summary
    assert not summary.suppressed and summary.respondents == 3 and shown.enrolled == 7
    relevance = np.array([5.0, 3.0, 4.0])
    assert summary.items[0].mean == pytest.approx(relevance.mean())
    assert summary.items[0].sd == pytest.approx(relevance.std(ddof=1))
    assert summary.items[0].distribution == (0, 0, 1, 1, 1)
    assert summary.items[0].favourable == pytest.approx(2 / 3)
    assert summary.comments == ("Too long.", "Zesty.")
    overall = [np.mean(list(a.values())) for a in answers.values()]
    assert summary.overall.mean == pytest.approx(np.mean(overall))
    assert status.answered == 3 and status.invited == 0
    with session_on(url) as session:
        review_id = get_review(session, REVIEW).id
        scores = submitted_reaction_scores(session, review_id, PROGRAMME)
    assert sorted(scores) == pytest.approx(sorted(overall))


def test_answers_join_the_summary_in_steps_of_the_minimum(url: str) -> None:
    """Finding 3 for reactions: a summary read at 3 answers and again at 4 would give the
    fourth answer away as the difference. The fourth and fifth wait; the sixth releases all
    three at once."""

    def answers(value: int) -> dict[str, object]:
        return {item.id: value for item in ITEMS}

    _bulk(url, {"C1": answers(4), "C2": answers(4), "S1": answers(4)})  # 7 are enrolled
    with session_on(url) as session:
        three = reaction_summary(session, REVIEW, PROGRAMME, minimum=3)
    assert three.summary.respondents == 3 and three.waiting == 0
    for person in ("S2", "P1"):
        _bulk(url, {person: answers(1)}, **{person: f"late note of {person}"})
        with session_on(url) as session:
            later = reaction_summary(session, REVIEW, PROGRAMME, minimum=3)
            review_id = get_review(session, REVIEW).id
            pooled = submitted_reaction_scores(session, review_id)
        assert later.summary == three.summary  # nothing of the late answers shows
        assert pooled == [4.0, 4.0, 4.0]  # nor in the evaluation's level 1
    assert later.waiting == 2
    _bulk(url, {"P2": answers(1)})
    with session_on(url) as session:
        six = reaction_summary(session, REVIEW, PROGRAMME, minimum=3)
    assert six.waiting == 0 and six.summary.respondents == 6
    assert six.summary.overall.mean == pytest.approx((3 * 4 + 3 * 1) / 6)
    assert six.summary.comments == ("late note of P1", "late note of S2")


def test_bulk_answers_go_through_the_same_checks_all_or_nothing(url: str) -> None:
    with pytest.raises(ReactionInvalid, match="C2 apply"):
        _bulk(url, {"C1": ALL_AGREE, "C2": {**ALL_AGREE, "apply": 0}})
    assert _stored(url) == []
    with pytest.raises(NotFound, match="ZZ"):
        _bulk(url, {"ZZ": ALL_AGREE})
    assert _bulk(url, {"C1": ALL_AGREE, "P1": ALL_AGREE}) == 2
    with pytest.raises(Conflict, match="C1"):
        _bulk(url, {"C1": ALL_AGREE})
    assert _audit(url, "record_reactions") == [{"programme": PROGRAMME, "count": 2}]
