"""The individual report job: load a stored wave once, write one page per person."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import escape

from builders import default_framework, small_simulation
from colead.errors import NotFound, UnknownPerson
from colead.framework import Framework
from colead.jobs.demo import store_simulation
from colead.jobs.person_reports import _with_actions, person_file_name, write_person_reports
from colead.simulation.review import SimulatedReview
from colead.store import init_database, open_database
from reports.html_checks import check_page


def _without_stamp(path: Path) -> list[str]:
    """The page's lines, less those holding the generation time (the only difference):
    the footer's "Generated …" and the cover's date, which differ when a minute turns."""
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if "Generated" not in line and "<dt>Date</dt>" not in line
    ]


@pytest.fixture
def stored(database_url: str) -> SimulatedReview:
    simulated = small_simulation(11)
    init_database(database_url)
    engine = open_database(database_url)
    try:
        store_simulation(engine, simulated, default_framework())
    finally:
        engine.dispose()
    return simulated


def test_file_names_stay_inside_the_folder_and_unique() -> None:
    assert person_file_name("P00001") == "P00001.html"
    odd = [person_file_name(p) for p in ("../etc/passwd", "a/b", "a_b", "a b", "")]
    assert all("/" not in name and not name.startswith(".") for name in odd)
    assert len(set(odd)) == len(odd)


def test_waves_stored_before_actions_existed_use_the_built_in_actions() -> None:
    built_in = default_framework()
    content = built_in.model_dump(mode="json")
    for family in content["families"]:
        for scale in family["scales"]:
            scale["actions"] = []
    stored = Framework.model_validate(content)
    assert not stored.has_actions
    assert _with_actions(stored).has_actions
    other = Framework.model_validate({**content, "title": "Another framework"})
    assert _with_actions(other) is other


@pytest.mark.integration
def test_writes_one_page_per_requested_person(
    database_url: str, stored: SimulatedReview, tmp_path: Path
) -> None:
    people = ["P00004", "P00014", "P00019"]
    calls: list[tuple[int, int]] = []
    out = tmp_path / "people"

    paths = write_person_reports(
        database_url,
        stored.name,
        "baseline",
        out,
        people=people,
        minimum=3,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert paths == [out / f"{p}.html" for p in people]
    names = stored.people.set_index("person_id")["name"]
    for person_id, path in zip(people, paths, strict=True):
        html = path.read_text(encoding="utf-8")
        check_page(html)
        assert str(names[person_id]) in html
        assert "Development: where to start" in html
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p}.html" for p in people)


@pytest.mark.integration
def test_parallel_rendering_writes_the_same_pages(
    database_url: str, stored: SimulatedReview, tmp_path: Path
) -> None:
    people = [f"P{k:05d}" for k in range(1, 11)]
    calls: list[tuple[int, int]] = []
    serial = write_person_reports(
        database_url, stored.name, None, tmp_path / "one", people=people, minimum=3, jobs=1
    )
    pooled = write_person_reports(
        database_url,
        stored.name,
        None,
        tmp_path / "two",
        people=people,
        minimum=3,
        jobs=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert [p.name for p in serial] == [p.name for p in pooled]
    for a, b in zip(serial, pooled, strict=True):
        assert _without_stamp(a) == _without_stamp(b)
    assert [done for done, _ in calls] == list(range(1, 11))
    assert {total for _, total in calls} == {10}


@pytest.mark.integration
def test_unknown_person_is_a_clear_error_and_writes_nothing(
    database_url: str, stored: SimulatedReview, tmp_path: Path
) -> None:
    out = tmp_path / "people"
    with pytest.raises(UnknownPerson) as caught:
        write_person_reports(
            database_url, stored.name, None, out, people=["P00004", "NOBODY"], minimum=3
        )
    assert isinstance(caught.value, NotFound)
    assert "'NOBODY'" in caught.value.message
    assert caught.value.hint
    assert not out.exists() or not any(out.iterdir())


def test_a_line_manager_never_lifts_two_peers_comments_into_the_report() -> None:
    """Finding 2: a manager and two peers made three observer forms, so the peers' comments
    were shown although their scores were withheld."""
    from builders import crafted_wave
    from colead.analysis import analyse_wave
    from colead.jobs.person_reports import person_inputs

    forms = [("P", "P", "self", 3), ("P", "M", "manager", 4)]
    forms += [("P", "Q1", "peer", 2), ("P", "Q2", "peer", 2)]
    data = crafted_wave(forms)
    comments = {("P", rater): (f"note of {rater}", None) for rater in ("M", "Q1", "Q2")}
    person = person_inputs(data, analyse_wave(data, 3), ["P"], comments)["P"]
    assert not person.comments_shown and person.strengths == ()
    # with three peers shown, every shown writer's comment joins the pool, the manager's too
    more = crafted_wave([*forms, ("P", "Q3", "peer", 2)])
    comments[("P", "Q3")] = ("note of Q3", None)
    person = person_inputs(more, analyse_wave(more, 3), ["P"], comments)["P"]
    assert person.comments_shown
    assert sorted(person.strengths) == ["note of M", "note of Q1", "note of Q2", "note of Q3"]


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.integration
def test_follow_up_pages_compare_with_the_baseline_and_show_plans_up_to_their_wave(
    database_url: str, stored: SimulatedReview, tmp_path: Path
) -> None:
    from colead.development.plans import generate_plans, list_plan_actions
    from colead.store import transaction

    engine = open_database(database_url)
    try:
        early = generate_plans(engine, stored.name, "baseline", ["P00004"], actor="test")
        later = generate_plans(engine, stored.name, "follow-up", ["P00014"], actor="test")
        with transaction(engine) as session:
            actions = list_plan_actions(session, stored.name)
    finally:
        engine.dispose()
    assert len(early.created) == 1 and len(later.created) == 1
    people = ["P00004", "P00014", "P00019"]
    follow_up = write_person_reports(
        database_url, stored.name, "follow-up", tmp_path / "f", people=people, minimum=3
    )
    baseline = write_person_reports(
        database_url, stored.name, "baseline", tmp_path / "b", people=people, minimum=3
    )
    pages = {p.stem: p.read_text(encoding="utf-8") for p in follow_up}
    first = {p.stem: p.read_text(encoding="utf-8") for p in baseline}
    for person in people:
        check_page(pages[person])
        assert "Change since baseline" in pages[person]
        assert 'id="change"' not in first[person]  # the review's first wave
    mine = [a for a in actions if a.person == "P00004"]
    theirs = [a for a in actions if a.person == "P00014"]
    assert mine and theirs
    for page in (pages["P00004"], first["P00004"]):
        plan = _section(page, "plan")
        assert "Plan from the baseline wave" in plan
        for action in mine:
            assert str(escape(action.description)) in plan
    # a plan made from the follow-up belongs to the follow-up's page, not the baseline's
    assert "Plan from the follow-up wave" in _section(pages["P00014"], "plan")
    assert "You have no development plan yet." in _section(first["P00014"], "plan")
    assert "You have no development plan yet." in _section(pages["P00019"], "plan")
