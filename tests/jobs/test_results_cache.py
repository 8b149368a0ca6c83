"""The results cache: hits, recomputation when the data change, bounds and threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from colead.analysis.results import ReviewResults
from colead.domain import WaveStatus
from colead.errors import WaveNotFound
from colead.jobs.analyse import analyse_review
from colead.jobs.results_cache import ResultsCache
from colead.store import open_database, transaction
from colead.store.audit import wave_fingerprint
from colead.store.people import person_ids
from colead.store.reviews import audit, get_review
from colead.store.schema import Assignment, Enrolment, Programme, Response, Wave, utcnow
from colead.store.schema_development import ProgrammeReaction
from web.anonymity_review import AnonymityReview, store_anonymity_review

pytestmark = pytest.mark.integration


class CountingAnalysis:
    """The real analysis, counted; ``delay`` widens the window in which threads race."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, engine: Engine, review: str, wave: str, minimum: int) -> ReviewResults:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        return analyse_review(engine, review, wave, minimum)


@pytest.fixture
def stored(database_url: str, tmp_path: Path) -> AnonymityReview:
    return store_anonymity_review(database_url, tmp_path / "files")


@pytest.fixture
def engine_of(stored: AnonymityReview) -> Iterator[Engine]:
    engine = open_database(stored.url)
    yield engine
    engine.dispose()


def set_status(engine: Engine, status: WaveStatus) -> None:
    with transaction(engine) as session:
        session.execute(update(Wave).values(status=status.value))


@pytest.fixture
def open_wave(engine_of: Engine) -> Engine:
    """The review's wave open, as while raters answer (forms change unaudited)."""
    set_status(engine_of, WaveStatus.open)
    return engine_of


def test_a_hit_returns_the_same_results(stored: AnonymityReview, engine_of: Engine) -> None:
    analysis = CountingAnalysis()
    cache = ResultsCache(analyse=analysis)
    first = cache.results(engine_of, stored.review, stored.wave, 3)
    second = cache.results(engine_of, stored.review, stored.wave, 3)
    assert second is first and analysis.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)
    assert first.participation.completed == 66
    # Another minimum is another analysis.
    other = cache.results(engine_of, stored.review, stored.wave, 4)
    assert other is not first and other.anonymity_minimum == 4 and analysis.calls == 2


def test_a_changed_submission_gives_new_results(stored: AnonymityReview, engine_of: Engine) -> None:
    analysis = CountingAnalysis()
    cache = ResultsCache(analyse=analysis)
    before = cache.results(engine_of, stored.review, stored.wave, 3)
    with transaction(engine_of) as session:
        # Withdraw one submitted form: the count of submitted forms changes. A closed wave
        # changes only through an audited step (an import, a reopen and close), as here.
        first = session.query(Response.id).order_by(Response.id).limit(1).scalar_subquery()
        session.execute(update(Response).where(Response.id == first).values(submitted_at=None))
        review = get_review(session, stored.review)
        audit(session, "someone", "import", "responses", review.id, review_id=review.id)
    after = cache.results(engine_of, stored.review, stored.wave, 3)
    assert after is not before and analysis.calls == 2
    assert after.participation.completed == before.participation.completed - 1


def test_an_edited_answer_or_an_audited_change_gives_a_new_fingerprint(
    stored: AnonymityReview, open_wave: Engine
) -> None:
    engine_of = open_wave
    with transaction(engine_of) as session:
        start = wave_fingerprint(session, stored.review, stored.wave)
    assert start is not None and start.submitted == 66 and start.assignments == 66
    assert start.last_submitted_change is not None
    with transaction(engine_of) as session:
        latest = session.query(Response.id).order_by(Response.id.desc()).limit(1).scalar()
        session.execute(
            update(Response)
            .where(Response.id == latest)
            .values(updated_at=start.last_submitted_change.replace(year=2099))
        )
    with transaction(engine_of) as session:
        edited = wave_fingerprint(session, stored.review, stored.wave)
    assert edited is not None and edited != start and edited.submitted == 66
    with transaction(engine_of) as session:
        review = get_review(session, stored.review)
        audit(session, "someone", "report.download", "review", review.id, review_id=review.id)
    with transaction(engine_of) as session:
        read = wave_fingerprint(session, stored.review, stored.wave)
    assert read == edited  # a reading changes nothing
    with transaction(engine_of) as session:
        review = get_review(session, stored.review)
        audit(session, "someone", "import", "people", review.id, review_id=review.id)
    with transaction(engine_of) as session:
        imported = wave_fingerprint(session, stored.review, stored.wave)
    assert imported is not None and imported.last_audit != edited.last_audit


def test_a_new_nomination_gives_a_new_fingerprint(
    stored: AnonymityReview, open_wave: Engine
) -> None:
    engine_of = open_wave
    with transaction(engine_of) as session:
        start = wave_fingerprint(session, stored.review, stored.wave)
        assert start is not None
        ids = person_ids(session, start.review_id)
        session.add(
            Assignment(
                wave_id=start.wave_id,
                ratee_id=ids["S6"],
                rater_id=ids["T2"],
                relation="other",
                token_hash="f" * 64,
            )
        )
    with transaction(engine_of) as session:
        after = wave_fingerprint(session, stored.review, stored.wave)
    assert after is not None and start.assignments is not None
    assert after.assignments == start.assignments + 1


def test_a_closed_wave_changes_only_through_audited_steps(
    stored: AnonymityReview, engine_of: Engine
) -> None:
    set_status(engine_of, WaveStatus.closed)
    with transaction(engine_of) as session:
        closed = wave_fingerprint(session, stored.review, stored.wave)
    # No pass over the forms: a closed wave accepts no submission.
    assert closed is not None and closed.status == "closed" and closed.submitted is None
    set_status(engine_of, WaveStatus.open)
    with transaction(engine_of) as session:
        reopened = wave_fingerprint(session, stored.review, stored.wave)
    assert reopened is not None and reopened != closed and reopened.submitted == 66


def test_unknown_wave_is_the_analysis_error(stored: AnonymityReview, engine_of: Engine) -> None:
    cache = ResultsCache()
    with pytest.raises(WaveNotFound):
        cache.results(engine_of, stored.review, "no such wave", 3)
    with transaction(engine_of) as session:
        assert wave_fingerprint(session, stored.review, "no such wave") is None
    assert len(cache) == 0


def test_the_cache_is_bounded(stored: AnonymityReview, engine_of: Engine) -> None:
    analysis = CountingAnalysis()
    cache = ResultsCache(capacity=1, analyse=analysis)
    cache.results(engine_of, stored.review, stored.wave, 3)
    cache.results(engine_of, stored.review, stored.wave, 4)
    assert len(cache) == 1
    cache.results(engine_of, stored.review, stored.wave, 3)  # pushed out: analysed again
    assert analysis.calls == 3
    with pytest.raises(ValueError):
        ResultsCache(capacity=0)


def test_threads_asking_at_once_share_one_analysis(
    stored: AnonymityReview, engine_of: Engine
) -> None:
    analysis = CountingAnalysis(delay=0.3)
    cache = ResultsCache(analyse=analysis)
    got: list[ReviewResults] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def ask() -> None:
        try:
            start.wait()
            results = cache.results(engine_of, stored.review, stored.wave, 3)
            with lock:
                got.append(results)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    assert len(got) == 6 and all(r is got[0] for r in got)
    assert analysis.calls == 1


def test_derived_values_are_made_once_per_entry(stored: AnonymityReview, engine_of: Engine) -> None:
    cache = ResultsCache()
    entry = cache.entry(engine_of, stored.review, stored.wave, 3)
    made: list[int] = []

    def build(results: ReviewResults) -> int:
        made.append(1)
        return results.n_people

    assert entry.derived("people", build) == 14
    assert cache.entry(engine_of, stored.review, stored.wave, 3).derived("people", build) == 14
    assert len(made) == 1


def test_an_answered_reaction_questionnaire_gives_a_new_fingerprint(
    stored: AnonymityReview, engine_of: Engine
) -> None:
    # Answers on the reaction page are not audited, and the evaluation shows them even for
    # a closed wave: the fingerprint must still move when one arrives.
    set_status(engine_of, WaveStatus.closed)
    with transaction(engine_of) as session:
        review = get_review(session, stored.review)
        person = next(iter(person_ids(session, review.id).values()))
        programme = Programme(review_id=review.id, name="Leading together")
        session.add(programme)
        session.flush()
        enrolment = Enrolment(programme_id=programme.id, person_id=person)
        session.add(enrolment)
        session.flush()
        session.add(ProgrammeReaction(enrolment_id=enrolment.id, token_hash="0" * 64))
    with transaction(engine_of) as session:
        before = wave_fingerprint(session, stored.review, stored.wave)
        session.execute(
            update(ProgrammeReaction).values(
                submitted_at=utcnow(), answers={"relevance": 4, "apply": 5}
            )
        )
    with transaction(engine_of) as session:
        after = wave_fingerprint(session, stored.review, stored.wave)
    assert before is not None and after is not None
    assert (before.reactions, after.reactions) == (0, 1) and after != before
