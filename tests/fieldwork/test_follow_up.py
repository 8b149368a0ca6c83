"""Follow-up waves: the earlier raters again, people who left, replacements, new framework
versions with a declared mapping, and scale stability across stored waves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from builders import default_framework, small_simulation, wave_data
from colead.analysis.stability import scale_blocks, scale_stability
from colead.domain import WaveStatus
from colead.errors import InvalidData, WaveNotFound
from colead.fieldwork.follow_up import (
    FollowUpWave,
    Replacement,
    create_follow_up_wave,
    item_renames,
    read_item_mapping,
    read_replacements,
    review_stability,
)
from colead.framework import Framework
from colead.jobs.demo import store_simulation
from colead.simulation.review import SimulatedReview
from colead.store import init_database, open_database, transaction
from colead.store.follow_up import PriorAssignment, wave_assignments
from colead.store.reviews import get_review
from colead.store.schema import Assignment, AuditEntry
from colead.store.waves import get_wave, list_waves

pytestmark = pytest.mark.integration

PERSON_SCALES = ("model", "inspire", "challenge", "enable", "encourage")


@pytest.fixture(scope="module")
def simulated() -> SimulatedReview:
    return small_simulation(11)


@pytest.fixture
def stored(database_url: str, simulated: SimulatedReview) -> Iterator[tuple[Engine, str]]:
    init_database(database_url)
    engine = open_database(database_url)
    try:
        result = store_simulation(engine, simulated, default_framework())
        yield engine, result.review
    finally:
        engine.dispose()


def _assignments(engine: Engine, review: str, wave: str) -> list[PriorAssignment]:
    with transaction(engine) as session:
        target = get_wave(session, get_review(session, review), wave)
        return wave_assignments(session, target.id)


def _triples(rows: list[PriorAssignment]) -> set[tuple[str, str, str]]:
    return {(a.ratee_id, a.rater_id, a.relation) for a in rows}


def _hashes(engine: Engine, review: str, wave: str) -> set[str]:
    with transaction(engine) as session:
        target = get_wave(session, get_review(session, review), wave)
        return set(
            session.scalars(select(Assignment.token_hash).where(Assignment.wave_id == target.id))
        )


def _follow_up(engine: Engine, review: str, **options: Any) -> FollowUpWave:
    with transaction(engine) as session:
        return create_follow_up_wave(session, review, "baseline", "second", **options)


def _non_self(rows: list[PriorAssignment]) -> PriorAssignment:
    return next(a for a in rows if a.relation != "self")


def _outsider(rows: list[PriorAssignment], ratee: str) -> str:
    """Someone in the review who does not rate ``ratee`` in the earlier wave."""
    raters = {a.rater_id for a in rows if a.ratee_id == ratee} | {ratee}
    return next(a.rater_id for a in rows if a.rater_id not in raters)


def test_follow_up_reuses_every_assignment_with_fresh_tokens(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    made = _follow_up(engine, review, period="2026-Q2", actor="t")
    before = _assignments(engine, review, "baseline")
    after = _assignments(engine, review, "second")
    assert _triples(after) == _triples(before)
    assert made.kept == len(before) and not made.dropped and not made.replaced
    assert made.wave.status is WaveStatus.draft and made.wave.period == "2026-Q2"
    assert made.wave.assignments == len(before) and made.wave.completed == 0
    assert not _hashes(engine, review, "baseline") & _hashes(engine, review, "second")
    with transaction(engine) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_(["create", "follow-up"]))
            .where(AuditEntry.entity == "wave")
            .order_by(AuditEntry.id)
        ).all()
        detail = entries[-1].detail
        assert [e.action for e in entries[-2:]] == ["create", "follow-up"]
        assert entries[-1].actor == "t"
        assert detail is not None and detail["from_wave"] == "baseline"
        assert detail["kept"] == len(before) and detail["mapping"] is None


def test_a_replaced_rater_and_a_person_who_left(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    before = _assignments(engine, review, "baseline")
    target = _non_self(before)
    newcomer = _outsider(before, target.ratee_id)
    # Someone unrelated to the swap leaves the review.
    leaver = next(
        a.rater_id
        for a in before
        if target.rater_id != a.rater_id != target.ratee_id
        and a.rater_id != newcomer
        and a.ratee_id != target.ratee_id
    )
    made = _follow_up(
        engine,
        review,
        replacements=[
            Replacement(2, target.rater_id, newcomer, target.ratee_id),
            Replacement(3, leaver, None),
        ],
    )
    after = _triples(_assignments(engine, review, "second"))
    assert (target.ratee_id, newcomer, target.relation) in after
    assert (target.ratee_id, target.rater_id, target.relation) not in after
    assert not [t for t in after if leaver in t[:2]]
    gone = [a for a in before if leaver in (a.ratee_id, a.rater_id)]
    assert len(made.dropped) == len(gone) and made.kept == len(before) - len(gone)
    assert all("left (row 3)" in c.reason for c in made.dropped)
    assert [(c.rater_id, c.new_rater_id) for c in made.replaced] == [(target.rater_id, newcomer)]


def test_a_general_swap_leaves_self_ratings_alone(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    before = _assignments(engine, review, "baseline")
    person = next(a.ratee_id for a in before if a.relation == "self")
    rated = {a.ratee_id for a in before if a.rater_id == person}
    newcomer = next(
        a.rater_id
        for a in before
        if a.rater_id != person
        and not rated & {x.ratee_id for x in before if x.rater_id == a.rater_id}
        and a.rater_id not in rated
    )
    made = _follow_up(engine, review, replacements=[Replacement(2, person, newcomer)])
    after = _triples(_assignments(engine, review, "second"))
    assert (person, person, "self") in after
    assert all(c.relation != "self" for c in made.replaced)
    assert len(made.replaced) == len(rated - {person})


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([Replacement(2, "NOBODY", None)], "row 2, column old_rater_id: 'NOBODY' is not in"),
        ([Replacement(4, "{rater}", "GHOST", "{ratee}")], "row 4, column new_rater_id: 'GHOST'"),
        ([Replacement(2, "{rater}", "{ratee}", "{ratee}")], "would rate themselves"),
        (
            [Replacement(2, "{rater}", "{other}", "{ratee}")],
            "row 2, column new_rater_id: {other} would rate {ratee} twice",
        ),
        (
            [
                Replacement(2, "{rater}", "{ratee}", "{ratee}"),
                Replacement(3, "{rater}", None, "{ratee}"),
            ],
            "row 3: repeats row 2",
        ),
        ([Replacement(5, "{ratee}", "{rater}", "{stranger}")], "row 5, column old_rater_id"),
    ],
)
def test_replacement_problems_name_row_and_column_and_create_nothing(
    stored: tuple[Engine, str], rows: list[Replacement], expected: str
) -> None:
    engine, review = stored
    before = _assignments(engine, review, "baseline")
    target = _non_self(before)
    other = next(
        a.rater_id
        for a in before
        if a.ratee_id == target.ratee_id and a.rater_id not in (target.rater_id, target.ratee_id)
    )
    names = {"rater": target.rater_id, "ratee": target.ratee_id, "other": other}
    # someone the ratee does not rate in the earlier wave
    names["stranger"] = next(
        a.ratee_id
        for a in before
        if a.ratee_id not in {x.ratee_id for x in before if x.rater_id == target.ratee_id}
    )

    def fill(value: str | None) -> str | None:
        return value.format(**names) if value else value

    filled = [
        Replacement(r.line, fill(r.old_rater_id) or "", fill(r.new_rater_id), fill(r.ratee_id))
        for r in rows
    ]
    with pytest.raises(InvalidData) as raised:
        _follow_up(engine, review, replacements=filled)
    assert expected.format(**names) in raised.value.message
    with transaction(engine) as session, pytest.raises(WaveNotFound):
        get_wave(session, get_review(session, review), "second")


def _renamed_framework(old: str = "model_1", new: str = "model_1r") -> Framework:
    content = default_framework().model_dump(mode="json")
    content["version"] = "1.1.0"
    for family in content["families"]:
        for scale in family["scales"]:
            for item in scale["items"]:
                if item["id"] == old:
                    item["id"] = new
    return Framework.model_validate(content)


def test_a_new_framework_needs_a_mapping(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    with pytest.raises(InvalidData, match="declared item mapping"):
        _follow_up(engine, review, framework=_renamed_framework())
    with pytest.raises(InvalidData, match="only for a different framework"):
        _follow_up(engine, review, mapping={"model_1": "model_1"})
    with pytest.raises(InvalidData, match="model_9 is not an item"):
        _follow_up(engine, review, framework=_renamed_framework(), mapping={"model_9": "model_1r"})
    with pytest.raises(InvalidData, match="both map to model_2"):
        _follow_up(
            engine,
            review,
            framework=_renamed_framework(),
            mapping={"model_1": "model_2", "model_2": "model_2"},
        )


def test_a_declared_mapping_is_stored_and_followed(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    made = _follow_up(
        engine, review, framework=_renamed_framework(), mapping={"model_1": "model_1r"}
    )
    assert made.framework.endswith("1.1.0") and made.mapping == {"model_1": "model_1r"}
    with transaction(engine) as session:
        waves = list_waves(session, get_review(session, review).id)
        renames = item_renames(session, waves)
        second = next(w for w in waves if w.name == "second")
        assert renames[second.id] == {"model_1r": "model_1"}
        # A further follow-up of the same version inherits the renaming.
        create_follow_up_wave(session, review, "second", "third")
        waves = list_waves(session, get_review(session, review).id)
        third = next(w for w in waves if w.name == "third")
        assert item_renames(session, waves)[third.id] == {"model_1r": "model_1"}
        assert third.framework_version_id == second.framework_version_id


def test_stability_of_stored_waves_matches_the_analysis(
    stored: tuple[Engine, str],
    simulated: SimulatedReview,
) -> None:
    engine, review = stored
    with transaction(engine) as session:
        report = review_stability(session, review)
        chosen = review_stability(session, review, ["follow-up", "baseline"])
    assert report.result.waves == ("baseline", "follow-up")
    assert chosen.result.waves == ("baseline", "follow-up")
    direct = []
    for index in range(2):
        data = wave_data(simulated, index)
        direct.append(
            (data.wave, scale_blocks(data.values, data.responses["relation"], data.framework))
        )
    expected = scale_stability(direct)
    stored_alpha = {(s.scale_id, s.wave): s.alpha for s in report.result.scales}
    for s in expected.scales:
        if s.scale_id in PERSON_SCALES:
            assert stored_alpha[(s.scale_id, s.wave)] == pytest.approx(s.alpha, abs=1e-12)
    assert not any(report.result.drifting(s) for s in PERSON_SCALES)


def test_empty_draft_waves_are_skipped_unless_named(stored: tuple[Engine, str]) -> None:
    engine, review = stored
    _follow_up(engine, review)
    with transaction(engine) as session:
        assert review_stability(session, review).result.waves == ("baseline", "follow-up")
        named = review_stability(session, review, ["baseline", "second"]).result
    assert named.waves == ("baseline", "second")


def test_replacement_file_and_mapping_file_are_read(tmp_path: Path) -> None:
    path = tmp_path / "replace.csv"
    path.write_text("Old Rater ID,new_rater_id,RATEE_ID\nP1,P2,\nP3,,P4\n", encoding="utf-8")
    assert read_replacements(path) == [
        Replacement(2, "P1", "P2", None),
        Replacement(3, "P3", None, "P4"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("old_rater_id,ratee\nP1,P2\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="new_rater_id"):
        read_replacements(bad)
    empty = tmp_path / "empty_old.csv"
    empty.write_text("old_rater_id,new_rater_id\n,P2\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="row 2, column old_rater_id"):
        read_replacements(empty)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("items:\n  model_1: model_1r\n", encoding="utf-8")
    assert read_item_mapping(mapping) == {"model_1": "model_1r"}
    mapping.write_text("- model_1\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="mapping of old item ids"):
        read_item_mapping(mapping)


def test_one_pair_without_replacement_and_a_self_rating_kept_with_its_ratee(
    stored: tuple[Engine, str],
) -> None:
    engine, review = stored
    before = _assignments(engine, review, "baseline")
    target = _non_self(before)
    made = _follow_up(
        engine, review, replacements=[Replacement(2, target.rater_id, None, target.ratee_id)]
    )
    assert [(c.ratee_id, c.rater_id, c.reason) for c in made.dropped] == [
        (target.ratee_id, target.rater_id, "no replacement (row 2)")
    ]
    assert made.kept == len(before) - 1

    person = next(a.ratee_id for a in before if a.relation == "self")
    other = _outsider(before, person)
    swap = [Replacement(2, person, other, person)]
    message = f"{person}'s self-rating cannot be given to {other}"
    with pytest.raises(InvalidData, match=message), transaction(engine) as session:
        create_follow_up_wave(session, review, "baseline", "third", replacements=swap)
