"""Roster queries: searches with escaped wildcards, paging, grouped form counts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from builders import default_framework, people_frame
from colead.ingest.people import import_people
from colead.store import transaction
from colead.store.people import person_ids, upsert_organisations
from colead.store.reviews import get_or_create_review, register_framework
from colead.store.roster import (
    escape_like,
    find_form,
    form_counts,
    forms_page,
    organisation_rows,
    people_page,
    person_keys,
    review_rows,
    site_rows,
)
from colead.store.schema import Assignment, Organisation, Person, Response, Site, Wave
from colead.store.waves import add_assignments, create_wave

pytestmark = pytest.mark.integration

RELATIONS = ("peer", "partner", "other", "direct_report")


def test_escape_like_escapes_wildcards_and_the_escape() -> None:
    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"
    assert escape_like("plain") == "plain"


def _review(session: Session, people: int = 30) -> tuple[int, int]:
    """A review of the four builder people plus ``people`` more at two sites; (review, wave)."""
    extra = [
        {"person_id": f"X{n:02d}", "name": f"Extra {n:02d}",
         "organisation": "Client Co" if n % 3 else "Supplier Ltd",
         "site": "East" if n % 2 else "West", "level": 1 + n % 5}
        for n in range(people)
    ] + [
        {"person_id": "W1", "name": "100% Sure_Thing", "organisation": "Client Co",
         "site": "West", "level": 2, "email": "back\\slash@client.test"},
    ]  # fmt: skip
    review, _ = get_or_create_review(session, "Roster review")
    import_people(session, review, people_frame(extra), "people")
    version = register_framework(session, default_framework())
    wave = create_wave(session, review.id, "baseline", version.id)
    return review.id, wave.id


def _assign_and_answer(session: Session, review_id: int, wave_id: int, seed: int) -> None:
    """Random forms among the people, about a third submitted and a fifth saved as drafts."""
    rng = random.Random(seed)
    ids = sorted(person_ids(session, review_id).values())
    pairs = {(rng.choice(ids), rng.choice(ids)) for _ in range(200)}
    rows = [
        (ratee, rater, rng.choice(RELATIONS)) for ratee, rater in sorted(pairs) if ratee != rater
    ]
    add_assignments(session, wave_id, rows)
    framework_version = session.get_one(Wave, wave_id).framework_version_id
    for form_id in session.scalars(select(Assignment.id).where(Assignment.wave_id == wave_id)):
        draw = rng.random()
        if draw < 0.55:
            continue
        session.add(
            Response(
                assignment_id=form_id,
                framework_version_id=framework_version,
                item_values=b"\x01\x02",
                submitted_at=datetime(2025, 1, 1, tzinfo=UTC) if draw < 0.85 else None,
            )
        )
    session.flush()


def test_people_search_matches_wildcards_literally(engine: Engine) -> None:
    with transaction(engine) as session:
        review_id, _ = _review(session)
        for search, expected in (
            ("0%", ["W1"]),
            ("e_t", ["W1"]),
            ("%", ["W1"]),
            ("_", ["W1"]),
            ("\\", ["W1"]),
            ("SURE", ["W1"]),
            ("west", None),
            ("supplier ltd", None),
        ):
            rows, total = people_page(session, review_id, search, 100, 0)
            if expected is not None:
                assert [r.external_id for r in rows] == expected, search
            assert total == len(rows)
        west, total = people_page(session, review_id, "west", 100, 0)
        assert total == 16 and all(r.site == "West" for r in west)
        cy, _ = people_page(session, review_id, "cy@", 100, 0)
        assert [(r.name, r.organisation, r.manager_id) for r in cy] == [
            ("Cy Supplier", "Supplier Ltd", None)
        ]


def test_people_pages_are_ordered_and_do_not_overlap(engine: Engine) -> None:
    with transaction(engine) as session:
        review_id, _ = _review(session)
        first, total = people_page(session, review_id, "", 20, 0)
        second, _ = people_page(session, review_id, "", 20, 20)
        assert total == 35 and len(first) == 20 and len(second) == 15
        ids = [r.external_id for r in first + second]
        assert ids == sorted(ids) and len(set(ids)) == 35
        assert person_keys(session, review_id, ["C1", "nobody"]).keys() == {"C1"}


def test_organisations_and_sites_count_people(engine: Engine) -> None:
    with transaction(engine) as session:
        review_id, _ = _review(session)
        upsert_organisations(session, review_id, {"Empty Partner": "partner"})
        people = session.scalars(select(Person).where(Person.review_id == review_id)).all()
        organisations = {
            (r.name, r.detail, r.people) for r in organisation_rows(session, review_id)
        }
        sites = {(r.name, r.people) for r in site_rows(session, review_id)}
        assert ("Empty Partner", "partner", 0) in organisations
        by_org = Counter(p.organisation_id for p in people)
        assert sorted(n for _, _, n in organisations) == sorted([0, *by_org.values()])
        assert sites == {("North", 4), ("East", 15), ("West", 16)}
        [row] = [r for r in review_rows(session) if r.name == "Roster review"]
        assert (row.waves, row.people) == (1, 35)


@pytest.mark.parametrize("seed", [3, 17])
def test_form_counts_equal_a_count_in_python(engine: Engine, seed: int) -> None:
    with transaction(engine) as session:
        review_id, wave_id = _review(session)
        _assign_and_answer(session, review_id, wave_id, seed)
        people = {p.id: p for p in session.scalars(select(Person))}
        organisations = {o.id: o.name for o in session.scalars(select(Organisation))}
        sites = {s.id: s.name for s in session.scalars(select(Site))}
        answers = {r.assignment_id: r for r in session.scalars(select(Response))}
        expected: dict[str, Counter[tuple[str, str]]] = {
            "organisation": Counter(), "site": Counter(), "relation": Counter()
        }  # fmt: skip
        forms = session.scalars(select(Assignment).where(Assignment.wave_id == wave_id)).all()
        for form in forms:
            answer = answers.get(form.id)
            state = "new" if answer is None else "done" if answer.submitted_at else "draft"
            ratee = people[form.ratee_id]
            expected["organisation"][(organisations[ratee.organisation_id], state)] += 1
            expected["site"][(sites[ratee.site_id], state)] += 1
            expected["relation"][(form.relation, state)] += 1
        [overall] = form_counts(session, wave_id)
        assert overall.forms == len(forms) > 100
        assert overall.submitted == sum(1 for a in answers.values() if a.submitted_at)
        assert overall.in_progress == sum(1 for a in answers.values() if not a.submitted_at) > 0
        for by, counted in expected.items():
            rows = form_counts(session, wave_id, by)  # type: ignore[arg-type]
            got = {(r.group, r.forms, r.submitted, r.in_progress) for r in rows}
            groups = {group for group, _ in counted}
            assert got == {
                (
                    g,
                    sum(counted[(g, s)] for s in ("new", "draft", "done")),
                    counted[(g, "done")],
                    counted[(g, "draft")],
                )
                for g in groups
            }


def test_forms_page_filters_and_pages(engine: Engine) -> None:
    with transaction(engine) as session:
        review_id, wave_id = _review(session)
        _assign_and_answer(session, review_id, wave_id, 5)
        everything, total = forms_page(
            session, wave_id, status=None, relation=None, search="", limit=1000, offset=0
        )
        assert total == len(everything)
        by_status = Counter(f.status for f in everything)
        for status in ("not_started", "in_progress", "submitted"):
            rows, count = forms_page(
                session, wave_id, status=status, relation=None, search="", limit=1000, offset=0
            )  # type: ignore[arg-type]
            assert count == by_status[status] > 0 and {r.status for r in rows} == {status}
        peers, count = forms_page(
            session, wave_id, status=None, relation="peer", search="extra 0", limit=5, offset=0
        )
        expected = [
            f for f in everything
            if f.relation == "peer" and ("Extra 0" in f.rater_name or "Extra 0" in f.ratee_name)
        ]  # fmt: skip
        assert count == len(expected) and peers == expected[:5]
        first, _ = forms_page(
            session, wave_id, status=None, relation=None, search="", limit=10, offset=0
        )
        second, _ = forms_page(
            session, wave_id, status=None, relation=None, search="", limit=10, offset=10
        )
        assert first + second == everything[:20]
        form = everything[0]
        keys = person_keys(session, review_id, [form.rater_id, form.ratee_id])
        assert find_form(session, wave_id, keys[form.ratee_id], keys[form.rater_id]) == form.id
