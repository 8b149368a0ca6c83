"""The analysis reads one state of the database, whatever commits while it reads.

It reads people, then assignments with their answers, and joins them in Python. A form
of a newly imported person committed between those reads used to reach the join without
its person (a KeyError on SQLite and PostgreSQL alike). The commit is made at exactly that
moment, from inside the analysis's own reads, so the check is deterministic.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from colead.analysis.export import results_to_dict
from colead.jobs.analyse import analyse_review
from colead.store import make_engine, transaction
from colead.store.nominations import add_person
from colead.store.reviews import get_review, load_framework_version
from colead.store.schema import Assignment, Person
from colead.store.survey import save_answers
from colead.store.waves import get_wave
from reliability.stored_review import store_populated_review

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

#: the first wave: analysed without a programme evaluation, so the check stays quick
WAVE = "baseline"


def _import_a_rated_newcomer(engine: Engine, review_name: str) -> None:
    """One transaction: a new person, rated by a colleague, with a submitted form."""
    with transaction(engine) as session:
        review = get_review(session, review_name)
        wave = get_wave(session, review, WAVE)
        colleague = session.scalars(
            select(Person).where(Person.review_id == review.id).order_by(Person.id).limit(1)
        ).one()
        newcomer = add_person(
            session,
            review_id=review.id,
            external_id="NEWCOMER-1",
            name="Newcomer",
            email=None,
            organisation_id=colleague.organisation_id,
            site_id=colleague.site_id,
            level=3,
        )
        assignment = Assignment(
            wave_id=wave.id,
            ratee_id=newcomer.id,
            rater_id=colleague.id,
            relation="peer",
            token_hash="0" * 64,
        )
        session.add(assignment)
        session.flush()
        items = len(load_framework_version(session, wave.framework_version_id).item_ids)
        save_answers(
            session, assignment.id, wave.framework_version_id, bytes([4]) * items, None, None,
            submit=True,
        )  # fmt: skip


def test_an_import_committed_between_the_analysis_reads_is_not_half_seen(
    database_url: str,
) -> None:
    review = store_populated_review(database_url)
    reader = make_engine(database_url)
    writer = make_engine(database_url)
    try:
        before = results_to_dict(analyse_review(reader, review, WAVE, 3))
        committed: list[str] = []

        def commit_midway(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            # the people are read; the packed answers are next
            if not committed and "item_values" in statement:
                committed.append(statement)
                _import_a_rated_newcomer(writer, review)

        event.listen(reader, "before_cursor_execute", commit_midway)
        during = results_to_dict(analyse_review(reader, review, WAVE, 3))
        event.remove(reader, "before_cursor_execute", commit_midway)
        assert committed, "the import was not made during the analysis"
        assert during == before  # the state the analysis began with, whole
        after = results_to_dict(analyse_review(reader, review, WAVE, 3))
        assert after != before  # and the next analysis sees the import
    finally:
        reader.dispose()
        writer.dispose()
