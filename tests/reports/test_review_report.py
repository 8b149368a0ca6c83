"""The relationship review report: content, anonymity, accessibility and safe writing."""

from __future__ import annotations

import math
import os
import re
from datetime import date
from pathlib import Path

import pytest

from colead.development.review_actions import ActionLog, LoggedAction
from colead.errors import OutputError
from colead.reports import render_review_html, write_review_html
from colead.reports.charts import (
    NO_DATA,
    BarSeries,
    ColumnGroup,
    GroupedBars,
    HeatCell,
    Heatmap,
    HeatRow,
    QuadrantPlot,
    QuadrantPoint,
    RateBar,
    RateBars,
    render_chart,
    text_alternative,
)
from colead.reports.review import profile_stats
from reports.factories import LEADERSHIP, build_empty_review_results, build_review_results
from reports.html_checks import Balance as _Balance
from reports.html_checks import check_page
from reports.html_checks import row as _row
from reports.html_checks import tables as _tables

STAMP = "2024-06-11 09:00 UTC"


def _shown_site_means() -> dict[tuple[str, str], tuple[float, int]]:
    results = build_review_results()
    return {
        key: (stat.mean, stat.n)
        for key, stat in profile_stats(results.site_profile).items()
        if stat.shown
    }


def test_page_renders_with_header_and_every_section() -> None:
    results = build_review_results()
    html = render_review_html(results, generated_at=STAMP)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en">' in html
    for text in (results.wave, results.framework_label, STAMP, "At a glance", "About these"):
        assert text in html
    assert "Client X – Supplier Y facilities contract" in html
    assert "system but not a passion" in html
    assert "1 Executive" in html  # level labels from colead.domain
    for note in results.notes:
        assert note.replace("'", "&#39;") in html


def test_every_shown_site_shows_every_leadership_practice_in_table_and_heatmap() -> None:
    html = render_review_html(build_review_results(), generated_at=STAMP)
    tables = _tables(html)
    rows = tables["Leadership practices by site: mean score, n people"]
    columns = rows[0]
    means = _shown_site_means()
    sites = {site for site, _ in means}
    assert sites == {"Leeds depot", "Lyon plant"}
    for site in sites:
        row = _row(rows, site)
        for scale_id, title in LEADERSHIP:
            mean, n = means[(site, scale_id)]
            assert row[columns.index(title)].startswith(f"{mean:.2f}")
            assert f"{site}, {title}: {mean:.2f} (n = {n})" in html  # heatmap cell tooltip


def test_every_number_has_its_n() -> None:
    results = build_review_results()
    html = render_review_html(results, generated_at=STAMP)
    tables = _tables(html)
    site_rows = tables["Leadership practices by site: mean score, n people"]
    assert site_rows[0][:2] == ["Site", "n people"]
    assert _row(site_rows, "Leeds depot")[1] == "8"
    assert _row(site_rows, "Lyon plant")[1] == "6"
    org_rows = tables["Leadership practices by organisation: mean, standard deviation and n people"]
    assert org_rows[1] == ["Practice", *["Mean", "SD", "n people"] * 2]
    assert _row(org_rows, "Role model the way")[3] == "8"
    p = results.participation
    assert f"{p.completed} of {p.invited}" in html
    assert "(n = 8)" in html  # bar labels and heatmap tooltips


def test_suppressed_site_values_never_appear_even_if_passed_in() -> None:
    leaky = build_review_results(leak_hidden_value=4.37)
    hidden = leaky.site_profile.table[~leaky.site_profile.table["shown"]]
    assert (hidden["mean"] == 4.37).all() and not hidden.empty
    honest_html = render_review_html(build_review_results(), generated_at=STAMP)
    assert "4.37" not in honest_html  # the test value is not a shown number by chance
    honest_rows = _tables(honest_html)["System and passion by site"]
    assert _row(honest_rows, "Pune office")[1:] == ["not shown (fewer than 3 people)"]
    html = render_review_html(leaky, generated_at=STAMP)
    assert "4.37" not in html
    assert "0.77" not in html
    assert "not shown (fewer than 3 people)" in html
    rows = _tables(html)["Leadership practices by site: mean score, n people"]
    assert _row(rows, "Pune office")[1:] == ["not shown (fewer than 3 people)"]
    quadrant_rows = _tables(html)["System and passion by site"]
    assert _row(quadrant_rows, "Pune office")[1:] == ["not shown (fewer than 3 people)"]
    assert "Pune office, Role model the way: not shown" in html


def test_page_is_well_formed_and_self_contained() -> None:
    check_page(render_review_html(build_review_results(), generated_at=STAMP))


def test_charts_have_title_and_text_alternative() -> None:
    html = render_review_html(build_review_results(), generated_at=STAMP)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 8  # four charts, each in its phone layout and its wide one
    for svg in svgs:
        opening = svg.split(">", 1)[0]
        assert 'role="img"' in opening
        assert re.search(r'aria-label="[^"]+"', opening)
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)
        assert re.search(r"<desc id=\"[^\"]+\">[^<]+</desc>", svg)
    wide = re.findall(r'<svg class="chart" id="([^"]+)"', html)
    narrow = re.findall(r'<svg class="chart narrow" id="([^"]+)"', html)
    assert len(wide) == len(set(wide)) == 4
    assert narrow == [f"{chart_id}-narrow" for chart_id in wide]


def test_user_text_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    results = build_review_results(
        site_names=(evil, "Lyon plant", "Pune office"), review="R&D <b>bold</b>"
    )
    html = render_review_html(results, generated_at=STAMP)
    assert "<script" not in html
    assert "<b>bold" not in html
    assert "&lt;script&gt;" in html
    assert "R&amp;D" in html
    checker = _Balance()
    checker.feed(html)
    assert checker.errors == []


def test_write_review_html_writes_atomically(tmp_path: Path) -> None:
    results = build_review_results()
    target = tmp_path / "review.html"
    target.write_text("old report", encoding="utf-8")
    written = write_review_html(results, target, generated_at=STAMP)
    assert written == target
    assert target.read_text(encoding="utf-8") == render_review_html(results, generated_at=STAMP)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.html"]


def test_write_failure_leaves_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "review.html"
    target.write_text("old report", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match="No space left"):
        write_review_html(build_review_results(), target)
    assert target.read_text(encoding="utf-8") == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.html"]


@pytest.mark.parametrize("where", ["under_a_file", "missing_folder", "a_folder"])
def test_unwritable_path_raises_output_error(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    target = {
        "under_a_file": blocker / "review.html",
        "missing_folder": tmp_path / "no" / "such" / "review.html",
        "a_folder": tmp_path,
    }[where]
    with pytest.raises(OutputError) as caught:
        write_review_html(build_review_results(), target)
    assert str(target) in caught.value.message
    assert caught.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt"]


def test_empty_results_render_with_no_data_messages() -> None:
    html = render_review_html(build_empty_review_results(), generated_at=STAMP)
    assert NO_DATA in html
    assert "no system-and-passion continuum" in html
    checker = _Balance()
    checker.feed(html)
    assert checker.errors == []


def _empty_charts() -> list[GroupedBars | Heatmap | QuadrantPlot | RateBars]:
    return [
        GroupedBars("Bars", (), (), 1, 5, "Mean"),
        Heatmap("Heat", (), (), 1, 5),
        QuadrantPlot("Quad", (), 3.5, 1, 5, "System", "Passion", ("a", "b", "c", "d")),
        RateBars("Rates", ()),
    ]


def _nan_charts() -> list[GroupedBars | Heatmap | QuadrantPlot | RateBars]:
    nan = math.nan
    return [
        GroupedBars("Bars", ("Model",), (BarSeries("Org", (nan,), (0,)),), 1, 5, "Mean"),
        Heatmap(
            "Heat",
            (HeatRow("Site", (HeatCell(nan, 0), HeatCell(nan, 0, shown=False))),),
            (ColumnGroup("Leadership", ("Model", "Inspire")),),
            1,
            5,
        ),
        QuadrantPlot(
            "Quad",
            (QuadrantPoint("Site", nan, 3.0, 4),),
            3.5,
            1,
            5,
            "System",
            "Passion",
            ("a", "b", "c", "d"),
        ),
        RateBars("Rates", (RateBar("Self", 0, 0),)),
    ]


@pytest.mark.parametrize("index", range(4))
def test_charts_handle_empty_input(index: int) -> None:
    chart = _empty_charts()[index]
    svg = render_chart(chart, chart_id=f"empty-{index}")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert NO_DATA in svg
    assert f'<title id="empty-{index}-title">{chart.title}</title>' in svg
    assert NO_DATA in text_alternative(chart)


@pytest.mark.parametrize("index", range(4))
def test_charts_handle_nan(index: int) -> None:
    chart = _nan_charts()[index]
    svg = render_chart(chart, chart_id=f"nan-{index}")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "nan" not in svg.lower().replace("nan-", "")
    assert "nan" not in text_alternative(chart).lower()


def test_description_scale_labels_and_answered_share_come_from_the_results() -> None:
    from dataclasses import replace

    results = replace(
        build_review_results(),
        description="Synthetic data; not real people.",
        scale_labels=("Almost never", "Rarely", "Sometimes", "Often", "Almost always"),
        min_answered_fraction=0.75,
    )
    html = render_review_html(results, generated_at="2026-01-01")
    assert "Synthetic data; not real people." in html
    assert "1 almost never, 2 rarely, 3 sometimes, 4 often, 5 almost always" in html
    assert "fewer than three quarters of the practice" in html


# ---------------------------------------------------------------------------- action log


def test_the_action_log_lists_owner_due_date_and_status_and_flags_overdue_actions() -> None:
    actions = (
        LoggedAction(1, "evaluate", "Re-measure after the programme", "Ana <Client>",
                     date(2026, 1, 31), "open", True),
        LoggedAction(2, None, "Share KPI results by site", None, None, "in_progress", False),
        LoggedAction(3, "measure_leadership", "Measure leadership", "Cy", date(2026, 6, 1),
                     "done", False),
    )  # fmt: skip
    log = ActionLog("Review", actions, {"open": 1, "in_progress": 1, "done": 1, "dropped": 0}, 1)
    html = render_review_html(build_review_results(), generated_at="2026-11-29", actions=log)
    assert ">Relationship action log</h2>" in html
    assert '<a href="#actions">Action log</a>' in html
    found = _tables(html)["Improvement actions of the relationship: owner, due date and status"]
    assert _row(found, "Re-measure after the programme")[1:] == [
        "Ana <Client>", "2026-01-31", "open, overdue",
    ]  # fmt: skip
    assert _row(found, "Share KPI results by site")[1:] == ["no owner", "no date", "in progress"]
    assert _row(found, "Measure leadership")[1:] == ["Cy", "2026-06-01", "done"]
    assert "Ana &lt;Client&gt;" in html  # names are user data: escaped
    text = re.sub(r"\s+", " ", html)
    assert "3 actions (open 1; in progress 1; done 1). 1 is overdue" in text


def test_the_action_log_is_left_out_without_one_and_explained_when_empty() -> None:
    results = build_review_results()
    assert "Relationship action log" not in render_review_html(results, generated_at="x")
    empty = ActionLog("Review", (), {"open": 0, "in_progress": 0, "done": 0, "dropped": 0}, 0)
    html = render_review_html(results, generated_at="x", actions=empty)
    assert ">Relationship action log</h2>" in html
    assert "No improvement actions are logged" in html
    assert "colead actions seed --review &#34;Review&#34;" in html
