"""The executive summary: sentences checked against the results."""

from __future__ import annotations

import dataclasses

import numpy as np

from colead.analysis.results import Participation
from colead.reports.chart_specs import format_score
from colead.reports.next_steps import change_findings, next_steps
from colead.reports.summary import executive_summary
from reports.factories import (
    HIDDEN_SITE,
    LEADERSHIP_SCALES,
    build_analysed_results,
    build_empty_review_results,
)


def _by_topic(results: object) -> dict[str, str]:
    return {f.topic: f.text for f in executive_summary(results)}  # type: ignore[arg-type]


def test_every_topic_is_summarised_with_its_numbers() -> None:
    results = build_analysed_results()
    found = _by_topic(results)
    assert list(found) == [
        "participation", "practices", "balance", "benchmark", "sites", "levels", "kpis",
        "programme",
    ]  # fmt: skip
    part = results.participation
    assert found["participation"].startswith(f"{part.completed} of {part.invited} invited")

    # Strongest and weakest practice, recomputed from the person scores with numpy.
    means = results.person_scores.observer_means[LEADERSHIP_SCALES].to_numpy()
    per_scale = np.nanmean(means, axis=0)
    titles = {s.id: s.title for s in results.scales}
    best, worst = np.argmax(per_scale), np.argmin(per_scale)
    assert (
        f"{titles[LEADERSHIP_SCALES[best]]} ({format_score(per_scale[best])})"
        in (found["practices"])
    )
    assert (
        f"{titles[LEADERSHIP_SCALES[worst]]} ({format_score(per_scale[worst])})"
        in (found["practices"])
    )

    # Family balance: each person's mean over the family's scales, then over people.
    lead = np.nanmean(np.nanmean(means, axis=1))
    manage_ids = [s.id for s in results.scales if s.family == "management"]
    manage_values = results.person_scores.observer_means[manage_ids].to_numpy()
    manage = np.nanmean(np.nanmean(manage_values, axis=1))
    assert format_score(lead) in found["balance"] and format_score(manage) in found["balance"]
    expected = "in balance" if abs(manage - lead) < 0.2 else "is ahead of"
    assert expected in found["balance"]

    tvl = results.title_vs_leading
    assert tvl is not None
    assert f"{tvl.leading_without_title} of {tvl.n_untitled} people" in found["levels"]
    assert "synthetic norms" in found["benchmark"]
    assert "exploratory" in found["kpis"] and "not that one causes the other" in found["kpis"]
    ev = results.evaluation
    assert ev is not None
    did = ev.did.set_index("measure").loc[ev.composite]
    assert f"{did['effect']:+.2f} points" in found["programme"]
    assert "improved" in found["programme"]  # the planted effect: its CI is above zero


def test_a_hidden_site_is_never_named_even_when_its_values_leak() -> None:
    results = build_analysed_results(hide_site=HIDDEN_SITE, leak_hidden_value=1.0)
    findings = executive_summary(results) + change_findings(results)
    text = " ".join(f.text for f in findings)
    text += " ".join(f"{r.title} {r.text} {r.evidence}" for r in next_steps(results))
    assert HIDDEN_SITE not in text


def test_a_low_response_rate_is_flagged() -> None:
    results = build_analysed_results()
    part = results.participation
    low = dataclasses.replace(results, participation=Participation(
        part.by_organisation, part.by_site, part.by_relation, 100, 41
    ))  # fmt: skip
    assert "may not speak for everyone" in _by_topic(low)["participation"]
    assert "may not speak for everyone" not in _by_topic(results)["participation"]


def test_empty_results_give_what_can_be_said() -> None:
    results = build_empty_review_results()
    assert [f.topic for f in executive_summary(results)] in ([], ["participation"])
    assert [r.title for r in next_steps(results)][-1] == "Evaluate behaviour and results"
