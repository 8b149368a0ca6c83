"""The individual 360 report: groups, anonymity, items, gaps, norms, comments, development.

Data: the small simulation (seed 11), analysed by the real engine with the anonymity minimum
of 3. A second copy of the wave keeps only some forms about two people, to have a person with
no observer forms and one with two.
"""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import numpy as np
import pandas as pd
import pytest

from builders import small_simulation, wave_data
from colead.analysis import ReviewResults, WaveData, analyse_wave
from colead.analysis.benchmark import build_norms, percentile_rank
from colead.analysis.individual import self_other_gaps
from colead.analysis.scoring import scale_index, score_forms
from colead.framework import RatedUnit
from colead.jobs.person_reports import Comments, person_inputs, rated_people, wave_context
from colead.reports.person import PersonData, WaveContext, render_person_html
from colead.reports.sections import ordinal
from reports.html_checks import check_page, row, tables

MINIMUM = 3
STAMP = "2024-01-01 00:00 UTC"
#: two peers and two partners: both below the minimum, folded into "others"
TWO_PEERS = "P00014"
#: at least three peers, direct reports and partners, plus a line manager
WELL_RATED = "P00004"
NO_OBSERVERS = "P00002"
TWO_OBSERVERS = "P00003"


class Wave:
    def __init__(self, data: WaveData, comments: Comments, norms: bool = False) -> None:
        self.data = data
        self.results: ReviewResults = analyse_wave(data, MINIMUM)
        built = None
        if norms:
            built, _ = build_norms(self.results.person_scores.observer_means, source="pooled test")
        self.context: WaveContext = wave_context(self.results, data.framework, norms=built)
        self.inputs = person_inputs(data, self.results, rated_people(data), comments)

    def html(self, person_id: str) -> str:
        return render_person_html(self.context, self.inputs[person_id], generated_at=STAMP)


def _comments(data_frame: pd.DataFrame) -> Comments:
    return {
        (str(a), str(b)): (s, g)
        for a, b, s, g in zip(
            data_frame["ratee_id"],
            data_frame["rater_id"],
            data_frame["comment_strengths"],
            data_frame["comment_suggestions"],
            strict=True,
        )
    }


@pytest.fixture(scope="module")
def simulated() -> tuple[WaveData, Comments]:
    simulation = small_simulation(11)
    return wave_data(simulation), _comments(simulation.waves[0].responses)


@pytest.fixture(scope="module")
def wave(simulated: tuple[WaveData, Comments]) -> Wave:
    return Wave(*simulated, norms=True)


@pytest.fixture(scope="module")
def thinned(simulated: tuple[WaveData, Comments]) -> Wave:
    """The same wave without the observer forms about one person and with two about another."""
    data, comments = simulated
    responses = data.responses.reset_index(drop=True)
    ratee, relation = responses["ratee_id"].astype(str), responses["relation"].astype(str)
    observer = relation != "self"
    keep = ~((ratee == NO_OBSERVERS) & observer)
    second = responses.index[(ratee == TWO_OBSERVERS) & observer]
    keep &= ~((ratee == TWO_OBSERVERS) & observer & ~responses.index.isin(second[:2]))
    mask = keep.to_numpy()
    thin = dataclasses.replace(
        data, responses=responses[mask].reset_index(drop=True), values=data.values[mask]
    )
    return Wave(thin, comments)


def _plain(html: str) -> str:
    """The visible text and the chart descriptions, without tags."""
    return re.sub(r"<[^>]+>", " ", html)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _observer_rows(data: WaveData, person_id: str) -> pd.DataFrame:
    responses = data.responses.reset_index(drop=True)
    mine = (responses["ratee_id"].astype(str) == person_id) & (responses["relation"] != "self")
    return responses[mine]


# ---------------------------------------------------------------------------- groups


def test_page_is_self_contained_and_well_formed(wave: Wave) -> None:
    for person_id in (WELL_RATED, TWO_PEERS):
        html = wave.html(person_id)
        check_page(html)
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)


def test_well_rated_person_shows_each_group_with_its_n(wave: Wave) -> None:
    html = wave.html(WELL_RATED)
    found = tables(html)
    caption = "Collaborative leadership: mean score and n raters for you and each rater group"
    header = found[caption][0]
    for label in ("You", "Line manager", "Peers", "Direct reports", "Partner organisation"):
        assert label in header
    assert "All observers" in header
    scores = wave.results.person_scores.table
    mine = scores[scores["ratee_id"] == WELL_RATED].set_index(["scale_id", "group"])
    line = row(found[caption], "Role model the way")
    for group, label in (("peer", "Peers"), ("direct_report", "Direct reports")):
        mean, n = mine.loc[("model", group), ["mean", "n_raters"]]
        assert line[header.index(label)] == f"{mean:.2f} (n = {int(n)})"
    assert "Item by item" in html and "Top five behaviours" in html


def test_two_peers_are_folded_into_others_and_never_shown(wave: Wave) -> None:
    data = wave.data
    observers = _observer_rows(data, TWO_PEERS)
    assert (observers["relation"] == "peer").sum() == 2
    assert (observers["relation"] == "partner").sum() == 2
    html = wave.html(TWO_PEERS)
    text = _plain(html)
    assert "Others (combined)" in text
    assert "peer" not in html.lower()
    framework = data.framework
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(
        data.values[observers.index], item_scale, len(scale_ids), framework.min_answered_fraction
    )
    relation = observers["relation"].to_numpy()
    found = tables(html)
    for family in ("leadership", "management"):
        title = framework.family(family).title
        rows = found[f"{title}: mean score and n raters for you and each rater group"]
        column = rows[0].index("Others (combined)")
        for scale in framework.family(family).scales:
            k = scale_ids.index(scale.id)
            peer = scores[relation == "peer", k]
            peer = peer[~np.isnan(peer)]
            # The unfolded two-peer mean, from the raw forms, appears nowhere with its n ...
            if len(peer) == 2:
                assert f"{peer.mean():.2f} (n = 2)" not in text
            # ... because both peers sit in the combined group with the partners.
            pooled = scores[np.isin(relation, ["peer", "partner"]), k]
            pooled = pooled[~np.isnan(pooled)]
            expected = f"{pooled.mean():.2f} (n = {len(pooled)})"
            assert row(rows, scale.title)[column] == expected
    assert "n = 2" not in text


# ---------------------------------------------------------------------------- items


def test_item_table_uses_framework_wording_and_observer_n(wave: Wave) -> None:
    html = wave.html(WELL_RATED)
    framework = wave.data.framework
    item = framework.scale("model").items[0]
    rows = tables(html)["Role model the way: your answer and all observers' mean per item"]
    line = row(rows, item.text)
    observers = _observer_rows(wave.data, WELL_RATED)
    codes = wave.data.values[observers.index, framework.item_ids.index(item.id)]
    answered = codes[codes >= 0]
    assert line[2] == f"{answered.mean():.2f}"
    assert line[3] == str(len(answered))


def test_top_and_bottom_five_agree_with_the_raw_values(wave: Wave) -> None:
    data = wave.data
    framework = data.framework
    observers = _observer_rows(data, WELL_RATED)
    codes = data.values[observers.index].astype(float)
    codes[codes < 0] = np.nan
    person_items = [
        (k, item)
        for k, item in enumerate(framework.items)
        if framework.family(framework.scale_family[framework.item_scale[k]]).rates
        is RatedUnit.person
    ]
    non_manager = (observers["relation"] != "manager").to_numpy()
    for k, _ in person_items:  # every item has enough answers to be shown
        assert np.sum(~np.isnan(codes[non_manager, k])) >= MINIMUM
    means = [
        (float(np.nanmean(codes[:, k])), pos, item) for pos, (k, item) in enumerate(person_items)
    ]
    expected_top = sorted(means, key=lambda t: (-t[0], t[1]))[:5]
    expected_bottom = sorted(means, key=lambda t: (t[0], t[1]))[:5]
    found = tables(wave.html(WELL_RATED))
    for caption, expected in (
        ("Top five behaviours: highest all-observer means", expected_top),
        ("Bottom five behaviours: lowest all-observer means", expected_bottom),
    ):
        body = found[caption][1:]
        assert [r[0] for r in body] == [item.text for _, _, item in expected]
        assert [r[2] for r in body] == [f"{mean:.2f}" for mean, _, _ in expected]


# ---------------------------------------------------------------------------- gaps, norms


@pytest.mark.parametrize("person_id", [WELL_RATED, TWO_PEERS, "P00001", "P00019", "P00131"])
def test_blind_spots_and_hidden_strengths_agree_with_self_other_gaps(
    wave: Wave, person_id: str
) -> None:
    gaps = self_other_gaps(wave.results.person_scores.table, margin=0.5).table
    mine = gaps[gaps["ratee_id"] == person_id]
    titles = {s.id: s.title for s in wave.data.framework.scales}
    rows = tables(wave.html(person_id))[
        "You and all observers per practice: difference and what it suggests"
    ][1:]
    reading = {r[0]: r[-1] for r in rows}
    for kind, label in (("blind_spot", "Blind spot"), ("hidden_strength", "Hidden strength")):
        expected = {titles[s] for s in mine.loc[mine["kind"] == kind, "scale_id"]}
        assert {t for t, r in reading.items() if r == label} == expected
    assert len(rows) == len(mine)


def test_percentiles_come_from_the_norms(wave: Wave) -> None:
    html = wave.html(WELL_RATED)
    assert "These norms are synthetic" not in html
    assert wave.context.norms is not None
    norm = wave.context.norms["inspire"]
    scores = wave.results.person_scores.table
    mine = scores[(scores["ratee_id"] == WELL_RATED) & (scores["group"] == "observers")]
    mean = float(mine.set_index("scale_id").loc["inspire", "mean"])
    rows = tables(html)["Your observers' mean against the norm group: percentile and band"]
    line = row(rows, "Inspire a collaborative vision")
    assert line[2] == ordinal(percentile_rank(mean, norm).percentile)


def test_without_norms_the_page_says_so(thinned: Wave) -> None:
    assert "No norm set was chosen" in thinned.html(WELL_RATED)


def test_competence_is_the_mean_of_its_practices(wave: Wave) -> None:
    scores = wave.results.person_scores.table
    mine = scores[(scores["ratee_id"] == WELL_RATED) & (scores["group"] == "observers")]
    means = mine.set_index("scale_id")["mean"]
    expected = means[["inspire", "challenge", "enable"]].mean()
    line = row(
        tables(wave.html(WELL_RATED))[
            "Competences: the practices each draws on, your mean and all observers' mean"
        ],
        "Strategic thinking",
    )
    assert line[3].startswith(f"{expected:.2f} (n = ")


# ---------------------------------------------------------------------------- comments


def test_comments_are_pooled_sorted_and_not_attributed(
    wave: Wave, simulated: tuple[WaveData, Comments]
) -> None:
    data, comments = simulated
    html = wave.html(WELL_RATED)
    section = _section(html, "comments")
    observers = _observer_rows(data, WELL_RATED)
    raters = observers["rater_id"].astype(str).tolist()
    written = [comments[(WELL_RATED, r)][0] for r in raters]
    assert any(written)
    items = re.findall(r"<li>([^<]+)", section.split("<h3>Suggestions</h3>")[0])
    assert sorted(items, key=str.casefold) == items
    assert {t.strip() for t in items} == {t for t in written if t}
    people = data.people.set_index(data.people["person_id"].astype(str))
    for rater in raters:
        assert rater not in html
        assert str(people.loc[rater, "name"]) not in html
    for label in ("Line manager", "Peers", "Direct reports", "Partner", "manager", "peer"):
        assert label not in section


def test_comments_need_the_minimum_of_observers(
    thinned: Wave,
) -> None:
    person = thinned.inputs[TWO_OBSERVERS]
    assert len(person.observer_relations) == 2
    section = _section(thinned.html(TWO_OBSERVERS), "comments")
    assert "only when at least 3 people" in section
    for text in (*person.strengths, *person.suggestions):
        if text not in person.own_comments:
            assert text not in section


def test_person_without_observer_forms_gets_a_page_that_says_so(thinned: Wave) -> None:
    person: PersonData = thinned.inputs[NO_OBSERVERS]
    assert person.observer_relations == ()
    html = thinned.html(NO_OBSERVERS)
    check_page(html)
    assert "No one else completed a form about you" in html
    assert "by your own rating" in _section(html, "development")


# ---------------------------------------------------------------------------- development


def _person_scale_ids(wave: Wave) -> list[str]:
    framework = wave.data.framework
    return [s.id for f in framework.families if f.rates is RatedUnit.person for s in f.scales]


def _development_titles(html: str) -> list[str]:
    section = unescape(_section(html, "development"))
    return [t.strip() for t in re.findall(r"<h3>([^<]+)<span", section)]


def test_development_ranks_by_norm_percentile_with_blind_spots_first(wave: Wave) -> None:
    """Tiers: below the 30th percentile and self at least 0.5 above observers, then below
    the 30th, then blind spots, then the rest; the lowest percentile first in each."""
    assert wave.context.norms is not None
    framework = wave.data.framework
    scores = wave.results.person_scores.table
    mine = scores[scores["ratee_id"] == WELL_RATED].set_index(["scale_id", "group"])
    scale_ids = _person_scale_ids(wave)
    ranked = []
    for k, s in enumerate(scale_ids):
        observers = float(mine.loc[(s, "observers"), "mean"])
        own = float(mine.loc[(s, "self"), "mean"])
        pct = percentile_rank(observers, wave.context.norms[s]).percentile
        blind, below = own - observers >= 0.5, pct < 30
        tier = (1 if blind else 2) if below else (3 if blind else 4)
        ranked.append((tier, pct, k, s, own - observers))
    ranked.sort()
    html = wave.html(WELL_RATED)
    expected = [framework.scale(s).title for *_, s, _ in ranked[:3]]
    assert _development_titles(html) == expected
    section = unescape(_section(html, "development"))
    for tier, pct, _, scale_id, gap in ranked[:3]:
        why = section.split(framework.scale(scale_id).title, 1)[1].split("</p>", 1)[0]
        assert f"{ordinal(pct)} percentile of the norm group" in why
        assert ("below par" in why) == (tier in (1, 2))
        assert (f"you rate yourself {gap:.2f} higher than others do" in why) == (tier in (1, 3))
        for action in framework.scale(scale_id).actions:
            assert action.text in section
    for *_, scale_id, _ in ranked[3:]:
        for action in framework.scale(scale_id).actions:
            assert action.text not in section


def test_without_norms_development_falls_back_to_raw_means_and_says_so(thinned: Wave) -> None:
    scores = thinned.results.person_scores.table
    mine = scores[(scores["ratee_id"] == WELL_RATED) & (scores["group"] == "observers")]
    means = mine.set_index("scale_id")["mean"]
    scale_ids = _person_scale_ids(thinned)
    ranked = sorted(scale_ids, key=lambda s: (means[s], scale_ids.index(s)))
    html = thinned.html(WELL_RATED)
    framework = thinned.data.framework
    assert _development_titles(html) == [framework.scale(s).title for s in ranked[:3]]
    section = unescape(_section(html, "development"))
    assert "No norm set was chosen for this report, so they are ranked by the raw averages" in (
        re.sub(r"\s+", " ", section)
    )


def test_rendering_is_deterministic(wave: Wave) -> None:
    assert wave.html(TWO_PEERS) == wave.html(TWO_PEERS)
