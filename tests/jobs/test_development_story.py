"""The demo's development loop, end to end: selection, programme, plans, follow-up, impact."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

from colead.framework import load_framework
from colead.jobs.demo import DemoResult, run_demo

pytestmark = pytest.mark.integration

LEADERSHIP = ("model", "inspire", "challenge", "enable", "encourage")


@functools.cache
def _demo() -> DemoResult:
    folder = Path(tempfile.mkdtemp(prefix="colead-story-"))
    return run_demo(
        database_url=f"sqlite:///{folder}/d.db",
        out_dir=folder / "out",
        framework=load_framework(),
        seed=7,
        size="small",
        minimum=3,
        pdf=False,
    )


def _out(demo: DemoResult) -> Path:
    return demo.report_paths["review, latest wave, HTML"].parent


def test_the_cohort_is_checked_against_the_baseline_and_comes_from_every_level() -> None:
    demo = _demo()
    story = demo.story
    enrolled = set(demo.simulated.enrolments["person_id"].astype(str))
    cohort = story.selection.cohort
    assert story.selection.wave == "baseline"
    assert cohort is not None and cohort.size == len(enrolled)
    # drawn from across the levels (the smallest, most senior level may have no one)
    assert len({m.level for m in cohort.levels if m.cohort > 0}) >= 4
    assert cohort.top_share < 0.5 and not cohort.unknown
    assert not cohort.warnings


def test_the_programme_carries_its_costs_and_attendance() -> None:
    demo = _demo()
    programme, planted = demo.story.programme, demo.simulated.programme
    enrolled = len(demo.simulated.enrolments)
    assert programme.enrolled == enrolled
    assert programme.completed == len(demo.simulated.truth.completed)
    expected = float(planted["cost_per_participant"]) * enrolled + float(planted["other_costs"])
    assert programme.total_cost == pytest.approx(expected)
    attendance = demo.simulated.attendance
    assert programme.sessions_attended == attendance["sessions_attended"].sum()
    assert programme.attendance_rate is not None and 0.7 < programme.attendance_rate < 1.0


def test_every_enrolled_person_gets_a_plan_and_works_on_it() -> None:
    story = _demo().story
    enrolled = len(_demo().simulated.enrolments)
    assert len(story.plans.created) + len(story.plans.without_focus) == enrolled
    assert len(story.plans.created) >= 0.9 * enrolled
    actions = sum(p.actions for p in story.plans.created)
    assert sum(story.plan_actions.values()) == actions
    assert {"done", "in_progress", "open"} <= set(story.plan_actions)
    # the four improvement actions of the paper, each with an owner and moving
    assert sum(story.review_actions.values()) == 4
    assert set(story.review_actions) == {"done", "in_progress"}


def test_the_leadership_scales_behave_the_same_in_both_waves() -> None:
    stability = _demo().story.stability
    assert stability.waves == ("baseline", "follow-up")
    assert not any(stability.drifting(s) for s in LEADERSHIP)


def test_the_evaluation_recovers_the_planted_programme_effect_within_its_interval() -> None:
    demo = _demo()
    evaluation = demo.latest.evaluation
    assert evaluation is not None
    truth = demo.simulated.truth
    # The planted estimand: how much more the enrolled people's true leadership rose.
    gain = (truth.person_true_followup - truth.person_true)[list(LEADERSHIP)].mean(axis=1)
    enrolled = gain.index.isin(sorted(truth.enrolled))
    planted = float(gain[enrolled].mean() - gain[~enrolled].mean())
    row = evaluation.did.set_index("measure").loc[evaluation.composite]
    assert row["ci_low"] <= planted <= row["ci_high"], (planted, row.to_dict())
    assert np.sign(row["ci_low"]) == 1  # the effect is detected, not only covered
    # the baseline-adjusted estimate, the report's headline, covers it too
    assert row["adjusted_ci_low"] <= planted <= row["adjusted_ci_high"], row.to_dict()
    html = (_out(demo) / "evaluation.html").read_text(encoding="utf-8")
    shown = f"{row['effect']:+.2f}".replace("-", "−")
    assert shown in html or f"{row['effect']:+.2f}" in html
    assert re.search(r"Kirkpatrick", html)


def _text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_reaction_and_return_on_investment_reach_the_evaluation_report() -> None:
    demo = _demo()
    evaluation = demo.latest.evaluation
    assert evaluation is not None
    answered, asked = demo.story.reactions
    assert asked == len(demo.simulated.truth.completed) and 0.6 * asked < answered <= asked
    reaction = evaluation.kirkpatrick[0]
    assert reaction.measured and f"{answered} participants" in reaction.detail
    roi = evaluation.roi
    assert roi is not None and roi.roi_percent is not None
    assert roi.costs == pytest.approx(demo.story.programme.total_cost)
    # Phillips' formulas on the report's own totals (Phillips & Phillips 2005, ch. 1)
    assert roi.roi_percent == pytest.approx((roi.benefits - roi.costs) / roi.costs * 100)
    assert roi.bcr == pytest.approx(roi.benefits / roi.costs)
    assert roi.roi_low is not None and roi.roi_high is not None
    assert roi.roi_low <= roi.roi_percent <= roi.roi_high
    text = _text(_out(demo) / "evaluation.html")
    assert "Return on investment" in text and roi.isolation_method in text
    assert f"{answered} participants rated the programme" in text
    # Eight sites: Phillips' standards give a range, never a return to quote
    assert not roi.determined
    assert "Return on investment: cannot be determined, because" in text
    assert f"Return on investment: {roi.roi_percent:.0f}%" not in text


def test_plan_progress_of_participants_reaches_the_evaluation() -> None:
    demo = _demo()
    evaluation = demo.latest.evaluation
    assert evaluation is not None
    overall = evaluation.application.set_index("breakdown").loc["all"]
    assert overall["n_people"] == len(demo.story.plans.created)
    for status, count in demo.story.plan_actions.items():
        assert overall[status] == count
    by_site = evaluation.application[evaluation.application["breakdown"] == "site"]
    assert by_site["actions"].sum() == overall["actions"] and (by_site["n_people"] >= 3).all()
    text = _text(_out(demo) / "evaluation.html")
    assert "Application: development plans" in text
    assert f"Application: {overall['n_people']} participants have development plans" in text


def test_the_review_report_shows_the_improvement_actions_with_their_owners() -> None:
    text = _text(_out(_demo()) / "review.html")
    assert "Improvement actions of the relationship" in text
    assert "Joint relationship management team" in text
    assert "4 actions (in progress 2; done 2)" in text
