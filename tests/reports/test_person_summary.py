"""The individual report's one-page summary and the person's development plan.

Data: both waves of the small simulation (seed 11) analysed by the real engine, with norms
pooled from the baseline; plans are built as the plan readers return them.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re
from html import unescape

import pytest
from pypdf import PdfReader

from colead.analysis.benchmark import percentile_rank
from colead.analysis.individual import self_other_gaps
from colead.reports.person import PersonData
from colead.reports.sections import ordinal
from reports.html_checks import check_page, tables
from reports.person_waves import TwoWaves, fully_shown, observer_means, plan, two_waves

ACTIONS = [
    ("model", "Say what went wrong in the last joint meeting.", "done"),
    ("enable", "Let the joint team settle small issues alone.", "open"),
    ("model", "Tell the partner about slipping dates at once.", "in_progress"),
    ("inspire", "Start briefings with one shared goal.", "dropped"),
    ("enable", "Remove one barrier between the teams.", "done"),
]


@pytest.fixture(scope="module")
def waves() -> TwoWaves:
    return two_waves()


@functools.cache
def _person(waves: TwoWaves) -> str:
    """The first person with every observer form shown on every practice in both waves, a
    blind spot and a hidden strength: the fullest summary."""
    gaps = self_other_gaps(waves.results.person_scores.table, margin=0.5).table
    for person in sorted(waves.inputs):
        kinds = set(gaps.loc[gaps["ratee_id"] == person, "kind"])
        if (
            {"blind_spot", "hidden_strength"} <= kinds
            and fully_shown(waves.results, waves.follow_up, person)
            and fully_shown(waves.earlier.results, waves.baseline, person)
        ):
            return person
    raise AssertionError("the simulation has no such person")


def _with_plans(waves: TwoWaves, plans: tuple[object, ...] | None) -> PersonData:
    person = waves.inputs[_person(waves)]
    return dataclasses.replace(person, plans=plans)  # type: ignore[arg-type]


def _text(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    part = html[start : html.index("</section>", start)]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", part)))


def _card(text: str, title: str, following: str) -> str:
    return text.split(title, 1)[1].split(following, 1)[0]


def test_strongest_and_lowest_practices_come_from_the_observer_means(waves: TwoWaves) -> None:
    """Means of the person's observer forms, computed here from the raw answers."""
    person = _person(waves)
    means = observer_means(waves.follow_up, person)
    framework = waves.follow_up.framework
    order = [s.id for s in framework.scales]
    assert len(means) == 10
    norms = waves.context.norms
    assert norms is not None

    def line(scale_id: str) -> str:
        mean, n = means[scale_id]
        pct = ordinal(percentile_rank(mean, norms[scale_id]).percentile)
        return f"{framework.scale(scale_id).title} : {mean:.2f} (n = {n}), {pct} percentile"

    # equal means (to rounding) keep the framework order
    top = sorted(means, key=lambda s: (-round(means[s][0], 9), order.index(s)))[:3]
    bottom = sorted(means, key=lambda s: (round(means[s][0], 9), order.index(s)))[:3]
    text = _text(waves.html(waves.inputs[person]), "summary")
    strongest = _card(text, "Strongest practices", "Lowest practices")
    lowest = _card(text, "Lowest practices", "Largest blind spot")
    positions = [strongest.index(line(s)) for s in top]
    assert positions == sorted(positions)
    lows = [lowest.index(line(s)) for s in bottom]
    assert lows == sorted(lows)
    for scale_id in set(means) - set(top) - set(bottom):
        title = framework.scale(scale_id).title
        assert title not in strongest and title not in lowest


def test_the_largest_blind_spot_is_the_largest_gap_above_the_margin(waves: TwoWaves) -> None:
    gaps = self_other_gaps(waves.results.person_scores.table, margin=0.5).table
    person = _person(waves)
    mine = gaps[(gaps["ratee_id"] == person) & (gaps["gap"] >= 0.5)]
    assert not mine.empty
    top = mine.loc[mine["gap"].idxmax()]
    title = waves.follow_up.framework.scale(str(top["scale_id"])).title
    text = _text(waves.html(waves.inputs[person]), "summary")
    blind = _card(text, "Largest blind spot", "Change since")
    assert f"{title} : you rate yourself {top['self']:.2f}" in blind
    assert f"a gap of +{top['gap']:.2f} points" in blind


def test_the_plan_section_lists_actions_by_status_with_their_practice(waves: TwoWaves) -> None:
    person = _with_plans(waves, (plan(_person(waves), ACTIONS, notes="Going well."),))
    html = waves.html(person)
    check_page(html)
    caption = "Your development plan from the baseline wave: each action, its practice and where"
    rows = next(r for c, r in tables(html).items() if c.startswith(caption))
    assert rows[0] == ["Action", "Practice", "Status", "Due"]
    assert [r[2] for r in rows[1:]] == ["in progress", "open", "done", "done", "dropped"]
    titles = {"model": "Role model the way", "enable": "Enable the collaborative team"}
    for practice, description, _ in ACTIONS:
        found = next(r for r in rows[1:] if r[0] == description)
        assert found[1] == titles.get(practice, "Inspire a collaborative vision")
        assert found[3] == "2025-03-01"
    text = _text(html, "plan")
    assert "2 of 5 actions done, 1 in progress, 1 open, 1 dropped." in text
    assert "2 past their due date." in text and "Your progress note: Going well." in text
    summary = _card(_text(html, "summary"), "Your development plan", "\n")
    assert "2 of 5 actions done." in summary
    assert "Next step (in progress, Role model the way): Tell the partner about" in summary


def _development_titles(html: str) -> list[str]:
    return re.findall(r"(?<=\. )([A-Z][a-z ]+) \(score", _text(html, "development"))


def test_plan_practices_are_marked_in_the_change_and_development_sections(
    waves: TwoWaves,
) -> None:
    framework = waves.follow_up.framework
    ids = {s.title: s.id for s in framework.scales}
    first, second, third = _development_titles(waves.html(_with_plans(waves, ())))
    other = next(s.id for s in framework.scales if s.title not in (first, second, third))
    actions = [
        (ids[first], "Stop one joint report nobody reads.", "open"),
        (other, "Remove one barrier between the teams.", "done"),
        (ids[third], "Start briefings with one shared goal.", "dropped"),
    ]
    html = waves.html(_with_plans(waves, (plan(_person(waves), actions),)))
    rows = next(r for c, r in tables(html).items() if c.startswith("All observers' mean in"))
    marked = {r[0] for r in rows[1:] if r[-1] == "yes"}
    # the dropped action's practice is no longer worked on
    assert marked == {first, framework.scale(other).title}
    development = _text(html, "development")
    assert _development_titles(html) == [first, second, third]  # the plan changes no order
    for title in (first, second, third):
        why = development.split(f"{title} (score", 1)[1].split("Why:", 1)[1].split(". ", 1)[0]
        assert ("already in your development plan" in why) == (title == first)


def test_without_a_plan_the_page_says_so_and_without_a_lookup_says_nothing(
    waves: TwoWaves,
) -> None:
    none_yet = waves.html(_with_plans(waves, ()))
    assert "No plan yet." in _text(none_yet, "summary")
    assert "You have no development plan yet." in _text(none_yet, "plan")
    not_looked_up = waves.html(_with_plans(waves, None))
    assert 'id="plan"' not in not_looked_up and "No plan yet" not in not_looked_up


def test_the_summary_fits_one_a4_page() -> None:
    """The fullest summary (change, norms, blind spot, hidden strength, plan) fills one page:
    the page after its heading is the next section's."""
    pdf = pytest.importorskip("colead.reports.pdf")
    waves = two_waves()
    long_step = ("model", "Tell the partner " + "about slipping dates " * 8, "in_progress")
    html = waves.html(_with_plans(waves, (plan(_person(waves), [*ACTIONS, long_step]),)))
    data, pages = pdf.render_pdf(html)
    reader = PdfReader(io.BytesIO(data))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    first = next(k for k, t in enumerate(texts) if "What the people who work with you see" in t)
    assert "Your development plan" in texts[first] and "Next step" in texts[first]
    assert "How to read this page" in texts[first + 1]
    assert pages == len(texts)
