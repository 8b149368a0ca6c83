"""The individual report's change since the earlier wave.

Data: both waves of the small simulation (seed 11) analysed by the real engine, minimum 3.
The change table is checked against means computed here from the raw forms and the reliable
change index of Jacobson & Truax (1991), ``RCI = (post - pre) / (sqrt(2) * sd * sqrt(1 -
rxx))`` (R: ``(post - pre) / (sqrt(2) * sd0 * sqrt(1 - rxx))``), with ``rxx`` the
practice's alpha at the baseline and ``sd`` the SD of the baseline's observer means.
"""

from __future__ import annotations

import math
import re

import pytest

from colead.analysis import analyse_wave
from colead.analysis.person_change import RaterContinuity
from colead.jobs.person_reports import person_inputs, rated_people, wave_context
from colead.reports.person import render_person_html
from colead.reports.person_change import raters_sentence
from reports.html_checks import check_page, row, tables
from reports.person_waves import (
    MINIMUM,
    STAMP,
    TwoWaves,
    fully_shown,
    observer_means,
    raters_of,
    two_waves,
    without_observers_of,
)

CAPTION = "All observers' mean in baseline and in follow-up (n raters), the change and its"


@pytest.fixture(scope="module")
def waves() -> TwoWaves:
    return two_waves()


def _change_rows(html: str) -> list[list[str]]:
    found = [rows for caption, rows in tables(html).items() if caption.startswith(CAPTION)]
    assert len(found) == 1
    return found[0]


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _expected_changes(
    waves: TwoWaves, person: str
) -> dict[str, tuple[float, int, float, int, float]]:
    """Practice -> (before, n, after, n, RCI) from the raw forms and Jacobson & Truax."""
    earlier = waves.earlier.results
    assert earlier.measurement is not None
    alpha = earlier.measurement.reliability.set_index("scale_id")["alpha"]
    sd = earlier.person_scores.observer_means.std(ddof=1)
    before = observer_means(waves.baseline, person)
    after = observer_means(waves.follow_up, person)
    found = {}
    for scale_id, (pre, n_pre) in before.items():
        post, n_post = after[scale_id]
        rci = (post - pre) / (math.sqrt(2) * sd[scale_id] * math.sqrt(1 - alpha[scale_id]))
        found[scale_id] = (pre, n_pre, post, n_post, rci)
    return found


def _fully_shown_with_an_improvement(waves: TwoWaves) -> str:
    """The first person every observer form of whom is shown on every practice in both
    waves, with a practice whose independently computed index is above 1.96."""
    for person in sorted(waves.inputs):
        shown = fully_shown(waves.earlier.results, waves.baseline, person)
        shown = shown and fully_shown(waves.results, waves.follow_up, person)
        if shown and any(v[4] > 1.96 for v in _expected_changes(waves, person).values()):
            return person
    raise AssertionError("the simulation has no such person")


def test_change_table_matches_an_independent_reliable_change_index(waves: TwoWaves) -> None:
    person_id = _fully_shown_with_an_improvement(waves)
    html = waves.html(waves.inputs[person_id])
    check_page(html)
    rows = _change_rows(html)
    assert rows[0][1:6] == ["baseline", "follow-up", "Change", "Reliable change index", "Reading"]
    framework = waves.follow_up.framework
    expected = _expected_changes(waves, person_id)
    assert len(expected) == 10
    readings = {}
    for scale_id, (pre, n_pre, post, n_post, rci) in expected.items():
        line = row(rows, framework.scale(scale_id).title)
        assert line[1] == f"{pre:.2f} (n = {n_pre})"
        assert line[2] == f"{post:.2f} (n = {n_post})"
        assert line[3] == f"{post - pre:+.2f}"
        assert line[4] == f"{rci:+.2f}"
        reading = "improved" if rci > 1.96 else "declined" if rci < -1.96 else "no reliable change"
        assert line[5] == reading
        readings[scale_id] = reading
    improved = [framework.scale(s).title for s, r in readings.items() if r == "improved"]
    steady = sum(r == "no reliable change" for r in readings.values())
    text = re.sub(r"\s+", " ", _section(html, "change"))
    listed = text.split("Improved by more than measurement error explains: ", 1)[1]
    listed = listed.split("</p>", 1)[0]
    assert [t for t in improved if t in listed] == improved
    assert f"No reliable change on the other {steady} practices" in text


def test_declines_are_named_and_the_summary_counts_them(waves: TwoWaves) -> None:
    person = next(
        p
        for _, p in sorted(waves.inputs.items())
        if p.change is not None and (p.change.practices["category"] == "deteriorated").any()
    )
    html = waves.html(person)
    rows = _change_rows(html)[1:]
    declined = [r[0] for r in rows if r[5] == "declined"]
    assert declined
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", _section(html, "summary")))
    listed = summary.split("Declined:", 1)[1].split("No reliable change", 1)[0]
    assert all(title in listed for title in declined)
    assert "Change since baseline" in summary


def test_the_same_raters_in_both_waves_are_counted_exactly(waves: TwoWaves) -> None:
    person_id = next(
        p
        for p in sorted(waves.inputs)
        if len(raters_of(waves.follow_up, p)) >= MINIMUM
        and raters_of(waves.follow_up, p) == raters_of(waves.baseline, p)
        and fully_shown(waves.results, waves.follow_up, p)
        and fully_shown(waves.earlier.results, waves.baseline, p)
    )
    n = len(raters_of(waves.follow_up, person_id))
    text = re.sub(r"\s+", " ", _section(waves.html(waves.inputs[person_id]), "change"))
    assert f"The same {n} people rated you in baseline and in follow-up." in text


def test_a_single_new_rater_is_never_counted_exactly(waves: TwoWaves) -> None:
    def split(p: str) -> tuple[int, int]:
        now, before = raters_of(waves.follow_up, p), raters_of(waves.baseline, p)
        return len(now & before), len(now - before)

    person_id = next(
        p
        for p in sorted(waves.inputs)
        if split(p)[0] > len(raters_of(waves.follow_up, p)) / 2
        and split(p)[1] == 1
        and fully_shown(waves.results, waves.follow_up, p)
        and fully_shown(waves.earlier.results, waves.baseline, p)
    )
    both, _ = split(person_id)
    now = len(raters_of(waves.follow_up, person_id))
    text = re.sub(r"\s+", " ", _section(waves.html(waves.inputs[person_id]), "change"))
    assert f"Most of your {now} observers in follow-up also rated you in baseline" in text
    assert f"{both} of your {now}" not in text and "1 who rated" not in text


def test_the_rater_counts_come_from_who_rated(waves: TwoWaves) -> None:
    person_id = _fully_shown_with_an_improvement(waves)
    now, before = raters_of(waves.follow_up, person_id), raters_of(waves.baseline, person_id)
    person = waves.inputs[person_id]
    assert person.change is not None
    assert person.change.raters == RaterContinuity(len(now), len(before), len(now & before))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((7, 4, 4), "4 of your 7 observers in follow-up also rated you in baseline."),
        ((7, 7, 4), "4 of your 7 observers in follow-up also rated you in baseline; 3 who rated"),
        ((6, 4, 0), "None of your 6 observers in follow-up rated you in baseline"),
        ((4, 4, 2), "Some of your 4 observers in follow-up also rated you in baseline (exact"),
    ],
)
def test_rater_sentences(counts: tuple[int, int, int], expected: str) -> None:
    sentence = raters_sentence(RaterContinuity(*counts), "follow-up", "baseline", MINIMUM)
    assert sentence.startswith(expected)


def test_too_few_raters_at_one_wave_show_no_change_values() -> None:
    """Two observer forms at the follow-up: no all-observer mean is shown then, so the
    change table has no change, index or reading for the person, only notes."""
    simulation = two_waves(norms=False)
    person_id = _fully_shown_with_an_improvement(simulation)
    thinned = TwoWaves(
        without_observers_of(simulation.follow_up, person_id, keep=2),
        simulation.baseline,
        norms=False,
    )
    person = thinned.inputs[person_id]
    assert len(person.observer_relations) == 2
    html = thinned.html(person)
    check_page(html)
    rows = _change_rows(html)[1:]
    assert len(rows) == 10
    for line in rows:
        assert re.fullmatch(r"\d\.\d\d \(n = \d+\)", line[1])  # the baseline's shown mean
        assert line[2] == "–"
        assert line[3] == "no change: not shown in follow-up"
        assert len(line) == 4  # the note spans change, index and reading
    section = _section(html, "change")
    assert "Improved" not in section and "Declined" not in section
    assert not re.search(r"[+-]\d\.\d\d", re.sub(r"<[^>]+>", " ", section))


def test_a_first_wave_has_no_change_section() -> None:
    data = two_waves(norms=False).baseline
    results = analyse_wave(data, MINIMUM)
    person_id = rated_people(data)[0]
    person = person_inputs(data, results, [person_id], {})[person_id]
    html = render_person_html(wave_context(results, data.framework), person, generated_at=STAMP)
    assert person.change is None
    assert 'id="change"' not in html and "Change since" not in html
