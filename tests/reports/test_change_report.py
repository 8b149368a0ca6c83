"""The follow-up report's "Change since baseline" section and its evidence-built
"What to do next", rendered from the engine's results of a simulated review."""

from __future__ import annotations

import functools
import html as html_lib
import re
from dataclasses import replace

from colead.analysis.results import ChangeSinceBaseline, ReviewResults
from colead.analysis.wave_change import RELATIONSHIP
from colead.reports import render_review_html
from colead.reports.chart_specs import format_score
from colead.reports.next_steps import change_findings, next_steps
from reports.factories import HIDDEN_SITE, build_analysed_results
from reports.html_checks import check_page, row, tables

STAMP = "2024-06-11 09:00 UTC"
SITE_CAPTION = "Collaborative leadership by site"
WHOLE_CAPTION = "Collaborative leadership: the whole relationship and each organisation"


@functools.cache
def _page(wave: int) -> str:
    return render_review_html(build_analysed_results(wave=wave), generated_at=STAMP)


def _change(results: ReviewResults) -> ChangeSinceBaseline:
    assert results.change_since_baseline is not None
    return results.change_since_baseline


def _signed(value: float) -> str:
    return "0.00" if round(value, 2) == 0 else f"{value:+.2f}"


def _recommendations(page: str) -> list[str]:
    section = re.search(r'<section id="recommendations".*?</section>', page, re.S)
    assert section is not None
    items = re.findall(r"<li>(.*?)</li>", section.group(0), re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", item)) for item in items]


def test_the_follow_up_shows_before_after_and_change_for_every_shown_group() -> None:
    results = build_analysed_results(wave=1)
    change = _change(results)
    page = _page(1)
    check_page(page)
    assert '<a href="#change">Change since baseline</a>' in page
    found = tables(page)
    sites = found[SITE_CAPTION]
    assert sites[0] == ["Site", "Change [95% CI]", "Before", "After", "n people", "Interval"]
    records = change.changes[
        (change.changes["by"] == "site") & (change.changes["measure"] == "leadership")
    ]
    assert len(sites) - 1 == len(records) > 1
    for rec in records.to_dict("records"):
        n = (
            str(rec["n_before"])
            if rec["n_before"] == rec["n_after"]
            else (f"{rec['n_before']} → {rec['n_after']}")
        )
        change_cell = (
            f"{_signed(rec['change'])} [{_signed(rec['ci_low'])}, {_signed(rec['ci_high'])}]"
        )
        method = {"paired": "paired", "partly_paired": "partly paired"}[rec["method"]]
        assert row(sites, rec["group"])[1:] == [
            change_cell,
            format_score(rec["before"]),
            format_score(rec["after"]),
            n,
            method,
        ]
    whole = row(found[WHOLE_CAPTION], "Whole relationship")
    overall = change.changes[
        (change.changes["by"] == RELATIONSHIP) & (change.changes["measure"] == "leadership")
    ].iloc[0]
    assert whole[2:4] == [format_score(overall["before"]), format_score(overall["after"])]
    positions = found["Position on system and passion at each wave"]
    assert positions[0] == ["Group", "Baseline → follow-up"]
    assert row(positions, "Whole relationship")[1].endswith(", unchanged")
    assert "Each practice across the whole relationship" in found
    assert "Position on system and passion at each wave" in found


def test_the_baseline_has_no_change_section() -> None:
    page = _page(0)
    assert 'id="change"' not in page and "Change since baseline" not in page


def test_a_site_too_small_at_either_wave_shows_no_change_even_when_values_leak() -> None:
    results = build_analysed_results(hide_site=HIDDEN_SITE, leak_hidden_value=4.37)
    page = render_review_html(results, generated_at=STAMP)
    check_page(page)
    found = tables(page)
    hidden = "not shown (fewer than 3 people or raters at one of the waves)"
    assert row(found[SITE_CAPTION], HIDDEN_SITE)[1:] == [hidden]
    assert row(found["Position on system and passion at each wave"], HIDDEN_SITE)[1:] == [hidden]
    assert "4.37" not in page
    text = " ".join(f.text for f in change_findings(results))
    text += " ".join(f"{s.title} {s.text} {s.evidence}" for s in next_steps(results))
    assert HIDDEN_SITE not in text


def test_what_to_do_next_differs_from_baseline_and_cites_this_waves_figures() -> None:
    follow_up, baseline = build_analysed_results(wave=1), build_analysed_results(wave=0)
    after, before = _recommendations(_page(1)), _recommendations(_page(0))
    assert set(after).isdisjoint(before)
    assert all("Rests on: " in item and "Why: " in item for item in after + before)
    # Where leading is still lowest: the lowest sites on this wave's leadership figure.
    change = _change(follow_up)
    sites = change.changes[
        (change.changes["by"] == "site")
        & (change.changes["measure"] == "leadership")
        & change.changes["shown"]
    ].nsmallest(2, "after")
    lowest = next(item for item in after if item.startswith("Develop leading where"))
    for rec in sites.to_dict("records"):
        assert f"{rec['group']} {format_score(rec['before'])} → {format_score(rec['after'])}" in (
            lowest
        )
    # The weakest practice: this wave's mean across the relationship, not the baseline's.
    means = follow_up.person_scores.observer_means
    lead = [s.id for s in follow_up.scales_of("leadership")]
    weakest = means[lead].mean().idxmin()
    title = {s.id: s.title for s in follow_up.scales}[weakest]
    practice = next(item for item in after if item.startswith(f"Develop \u201c{title}"))
    assert f"{title} {format_score(means[weakest].mean())} (n {means[weakest].count()}" in practice
    assert f"follow-up: {title}" in practice and "change since baseline" in practice
    old = baseline.person_scores.observer_means[weakest].mean()
    assert f"({format_score(old)})" not in practice
    # The baseline's own steps rest on the baseline's figures and ask for a follow-up.
    assert any("Run a follow-up wave" in item for item in before)
    assert any(item.startswith("Bring passion to the system") for item in before)


def _with_rows(results: ReviewResults, **changes: dict[str, object]) -> ReviewResults:
    """``results`` with the named sites' leadership rows and positions edited."""
    change = _change(results)
    table = change.changes.copy()
    positions = change.positions.copy()
    for site, values in changes.items():
        position = values.pop("position", None)
        rows = (table["by"] == "site") & (table["group"] == site)
        rows &= table["measure"] == "leadership"
        for column, value in values.items():
            table.loc[rows, column] = value
        if position is not None:
            at = (positions["by"] == "site") & (positions["group"] == site)
            positions.loc[at, ["before", "after", "moved"]] = [*position, True]  # type: ignore[misc]
    return replace(
        results, change_since_baseline=replace(change, changes=table, positions=positions)
    )


def test_a_site_that_fell_back_or_moved_gets_its_own_step() -> None:
    results = build_analysed_results(wave=1)
    positions = _change(results).positions
    sites = positions[positions["by"] == "site"]
    already = sites.loc[sites["moved"].astype(bool), "group"].tolist()
    # The planted programme moved some sites across the threshold already.
    plain = {s.title: s for s in next_steps(results)}
    assert already and f"Learn from {' and '.join(already)}" in plain
    assert not any(t.startswith("Find out") for t in plain)
    still = sites.loc[~sites["moved"].astype(bool), "group"].tolist()
    fell, moved, slight = still[0], still[1], still[2]
    edited = _with_rows(
        results,
        **{
            fell: {"before": 3.4, "after": 3.1, "change": -0.3, "ci_low": -0.42, "ci_high": -0.18},
            moved: {"position": ("system_without_passion", "both")},
            # Certain but small: reported, not worth a step of its own.
            slight: {"change": -0.03, "ci_low": -0.05, "ci_high": -0.01},
        },
    )
    steps = {s.title: s for s in next_steps(edited)}
    falls = steps[f"Find out what changed at {fell}"]
    assert slight not in falls.title and slight not in falls.evidence
    assert f"{fell}, collaborative leadership 3.40 → 3.10 (-0.30 [-0.42, -0.18]" in falls.evidence
    learn = next(s for t, s in steps.items() if t.startswith("Learn from"))
    assert moved in learn.title
    assert f"{moved}: System without passion → Passion and system" in learn.evidence
    findings = " ".join(f.text for f in change_findings(edited))
    assert f"fell clearly at 2 ({fell} and {slight})" in findings  # in the table's order
    assert f"{moved} moved from System without passion to Passion and system" in findings


def test_the_change_leads_the_follow_ups_summary() -> None:
    results = build_analysed_results(wave=1)
    findings = change_findings(results)
    assert findings and findings[0].text.startswith("Since baseline, across the whole relationship")
    overall = (
        _change(results).changes.set_index(["by", "measure"]).loc[(RELATIONSHIP, "leadership")]
    )
    assert f"{format_score(overall['before'])} to {format_score(overall['after'])}" in (
        findings[0].text
    )
    page = _page(1)
    glance = re.search(r'<ul class="findings">\s*<li>(.*?)</li>', page, re.S)
    assert glance is not None and glance.group(1) == html_lib.escape(findings[0].text, quote=True)
    assert change_findings(build_analysed_results(wave=0)) == ()
