"""Privacy operations: a person's export holds everything about them and nothing about who
rated them; erasure leaves no trace of them and no one else's results changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from colead.errors import UnknownPerson
from colead.privacy.person import EXPORT_SECTIONS, erase_person, export_json, export_person
from colead.store import open_database, transaction
from colead.store import privacy as store
from colead.store.schema import Assignment, AuditEntry, Base, Person
from privacy_data import (
    BACKENDS,
    Identity,
    add_personal_rows,
    person_scores,
    populated_database,
    stored_mentions,
)

pytestmark = pytest.mark.integration

#: a data folder without uploads (erasing uploads is tested in tests/cli/test_privacy.py)
NO_UPLOADS = Path("no-such-data-folder")
#: people of the stored review (seed 3): plans exist for P00001-P00004
EXPORTED, ERASED, DELETED, OTHER = "P00003", "P00002", "P00004", "P00010"


def test_every_table_that_can_hold_a_person_is_known() -> None:
    """A new table with a foreign key to person (directly or through a table that has one)
    must be taught to the export and the erasure, or this fails."""
    direct = {
        (table.name, key.parent.name)
        for table in Base.metadata.tables.values()
        for key in table.foreign_keys
        if key.column.table.name == "person"
    }
    assert direct == set(store.PERSON_COLUMNS)
    personal = {table for table, _ in direct} - {"person"}
    reached = set(personal)
    while True:
        more = {
            table.name
            for table in Base.metadata.tables.values()
            for key in table.foreign_keys
            if key.column.table.name in reached and table.name not in reached | {"person"}
        }
        if not more:
            break
        reached |= more
    assert reached - personal == set(store.DEPENDENT_TABLES)
    exported = {table for tables in EXPORT_SECTIONS.values() for table in tables}
    assert reached | {"person"} <= exported


@pytest.fixture(scope="module", params=BACKENDS)
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, str, dict[str, Identity]]]:
    """One populated database per backend; each test works on its own people."""
    with populated_database(request.param, tmp_path_factory.mktemp("privacy")) as (url, review):
        engine = open_database(url)
        try:
            people = {
                key: add_personal_rows(engine, review, key, OTHER)
                for key in (EXPORTED, ERASED, DELETED)
            }
            yield engine, review, people
        finally:
            engine.dispose()


def test_export_holds_everything_about_the_person(
    stored: tuple[Engine, str, dict[str, Identity]],
) -> None:
    engine, review, people = stored
    me = people[EXPORTED]
    document = export_person(engine, review, me.email.upper(), minimum=3, actor="tester")
    assert set(EXPORT_SECTIONS) <= set(document)
    assert json.loads(export_json(document)) == document
    assert document["person"]["person_id"] == me.external_id
    assert document["person"]["name"] == me.name and document["person"]["level"] in range(1, 6)
    forms = document["forms_as_rater"]
    assert forms and all(f["answers"] for f in forms if f["submitted_at"])
    assert {"not observed"} | set(range(1, 6)) >= {
        v for f in forms if f["answers"] for v in f["answers"].values()
    }
    assert document["enrolments"][0]["reaction"]["answers"] == {"useful": 4}
    assert document["development_plans"][0]["actions"]
    assert [n["relation"] for n in document["nominations"]["made"]] == ["peer"]
    assert len(document["nominations"]["as_rater"]) == 2
    assert "note" not in document["nominations"]["as_rater"][0]
    assert len(document["participant_links"]) == 1 and len(document["mail"]) == 2
    actions = [e["action"] for e in document["audit"]]
    assert {"nominate", "create", "update"} <= set(actions)

    # feedback: exactly the folded group scores the analysis shows, nothing per rater
    assert [w["wave"] for w in document["feedback_received"]] == ["baseline", "follow-up"]
    for wave in document["feedback_received"][:1]:
        shown = person_scores(engine, review, wave["wave"])
        mine = shown[shown["ratee_id"] == me.external_id]
        expected = {
            (r["scale_id"], r["group"]): (int(r["n_raters"]), round(float(r["mean"]), 3))
            for r in mine.to_dict("records")
        }
        got = {(s["scale_id"], s["group"]): (s["n_raters"], s["mean"]) for s in wave["scores"]}
        assert got == expected
        comments = wave["comments_from_others"]
        for texts in (comments.get("strengths", []), comments.get("suggestions", [])):
            assert texts == sorted(texts)
    withheld = [e for e in document["audit"] if e["entity"] == "assignment"]
    assert withheld and withheld[0]["detail"]["rater_id"] == "(withheld)"
    with transaction(engine) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (last.action, last.entity_id, last.detail) == ("privacy_export", me.pk, None)


def test_an_unknown_person_is_refused_with_the_fix(
    stored: tuple[Engine, str, dict[str, Identity]],
) -> None:
    engine, review, _ = stored
    with pytest.raises(UnknownPerson, match="no person 'p00003'") as caught:
        export_person(engine, review, "p00003", minimum=3, actor="tester")
    assert "person_id" in (caught.value.hint or "")
    with pytest.raises(UnknownPerson):
        erase_person(
            engine,
            review,
            "nobody@example.test",
            delete_ratings=False,
            actor="t",
            data_dir=NO_UPLOADS,
        )


def test_erasure_leaves_no_trace_and_others_results_unchanged(
    stored: tuple[Engine, str, dict[str, Identity]],
) -> None:
    engine, review, people = stored
    me = people[ERASED]
    assert stored_mentions(engine, me.name, me.email)  # the scan does find them first
    waves = ("baseline",)
    before = {wave: person_scores(engine, review, wave) for wave in waves}
    with transaction(engine) as session:
        person = session.get_one(Person, me.pk)
        kept = (person.organisation_id, person.site_id, person.level)
        hashes = dict(
            session.execute(
                select(Assignment.id, Assignment.token_hash).where(
                    Assignment.rater_id == me.pk, Assignment.ratee_id != me.pk
                )
            ).all()
        )

    done = erase_person(
        engine, review, me.external_id, delete_ratings=False, actor="tester", data_dir=NO_UPLOADS
    )

    assert done.rows["ratings_kept"] == len(hashes) > 0
    assert done.rows["forms_about"] > 0 and done.rows["manager_links"] > 0
    assert done.audit_entries_scrubbed >= 3 and done.texts_scrubbed >= 2
    for wave in waves:
        after = person_scores(engine, review, wave)
        others = before[wave][before[wave]["ratee_id"] != me.external_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(after, others)
    assert stored_mentions(engine, me.name, me.email, me.external_id) == []
    with transaction(engine) as session:
        person = session.get_one(Person, me.pk)
        assert person.name == f"Erased person {me.pk}" and person.external_id == done.person_id
        assert (person.email, person.role_title, person.manager_id) == (None, None, None)
        assert (person.organisation_id, person.site_id, person.level) == kept
        assert session.scalars(select(Person).where(Person.manager_id == me.pk)).all() == []
        now = dict(
            session.execute(
                select(Assignment.id, Assignment.token_hash).where(Assignment.rater_id == me.pk)
            ).all()
        )
        assert set(now) == set(hashes) and not set(now.values()) & set(hashes.values())
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_erase"))
        logged = entry.one()
    assert logged.entity_id == me.pk and logged.detail is not None
    assert me.name not in json.dumps(logged.detail) and logged.actor == "tester"


def test_erasure_with_delete_ratings_removes_their_answers_too(
    stored: tuple[Engine, str, dict[str, Identity]],
) -> None:
    engine, review, people = stored
    me = people[DELETED]
    with transaction(engine) as session:
        rated = set(
            session.scalars(
                select(Person.external_id)
                .join(Assignment, Assignment.ratee_id == Person.id)
                .where(Assignment.rater_id == me.pk, Assignment.ratee_id != me.pk)
            )
        )
    done = erase_person(
        engine, review, me.email, delete_ratings=True, actor="tester", data_dir=NO_UPLOADS
    )
    assert done.person_id is None and done.rows["ratings_deleted"] > 0
    assert stored_mentions(engine, me.name, me.email, me.external_id) == []
    with transaction(engine) as session:
        assert session.get(Person, me.pk) is None
        left = session.scalars(select(Assignment.id).where(Assignment.rater_id == me.pk))
        assert left.all() == []
    # the people they rated keep every other rater's answers
    scores = person_scores(engine, review, "baseline")
    assert rated & set(scores["ratee_id"])
