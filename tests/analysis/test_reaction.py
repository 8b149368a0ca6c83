"""Reaction summaries (Kirkpatrick level 1): item statistics against independent
computations and a published value, and the anonymity minimum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from colead.analysis.reaction import mean_interval, respondent_scores, summarise_reaction

ITEMS = ("relevance", "apply", "satisfaction")


def _answers(seed: int, people: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, size=(people, len(ITEMS))).astype(float)
    answers[rng.random(answers.shape) < 0.1] = np.nan
    return answers


def test_the_interval_matches_r_t_test_on_students_sleep_data() -> None:
    # R: t.test(sleep$extra[sleep$group == 1])  ->  mean 0.75,
    # 95 percent confidence interval -0.5297804 2.0297804 (datasets::sleep, Student 1908)
    extra = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    mean, sd, low, high = mean_interval(extra)
    assert mean == pytest.approx(0.75)
    assert sd == pytest.approx(1.789010, abs=1e-6)
    assert (low, high) == pytest.approx((-0.5297804, 2.0297804), abs=1e-7)


def test_item_statistics_match_scipy() -> None:
    answers = _answers(seed=3, people=40)
    summary = summarise_reaction(answers, ITEMS, [], minimum=3)
    assert not summary.suppressed and summary.respondents == 40
    for j, item in enumerate(summary.items):
        values = answers[:, j][~np.isnan(answers[:, j])]
        # independent: scipy.stats.ttest_1samp(...).confidence_interval (R: t.test(x)$conf.int)
        interval = stats.ttest_1samp(values, 0.0).confidence_interval(0.95)
        assert item.item_id == ITEMS[j]
        assert item.n == values.size
        assert item.mean == pytest.approx(stats.tmean(values))
        assert item.sd == pytest.approx(stats.tstd(values))
        assert (item.ci_low, item.ci_high) == pytest.approx((interval.low, interval.high))
        assert item.favourable == pytest.approx(np.count_nonzero(values >= 4) / values.size)
        assert item.distribution == tuple(int(np.sum(values == k)) for k in range(1, 6))
        assert sum(item.distribution) == item.n


def test_the_overall_score_is_each_respondents_mean_of_answered_items() -> None:
    answers = _answers(seed=8, people=25)
    answers[4] = np.nan  # someone who answered nothing has no score
    scores = respondent_scores(answers)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmean(answers, axis=1)
    np.testing.assert_allclose(scores, expected, equal_nan=True)
    summary = summarise_reaction(answers, ITEMS, [], minimum=3)
    finite = expected[~np.isnan(expected)]
    interval = stats.ttest_1samp(finite, 0.0).confidence_interval(0.95)
    assert summary.overall.n == finite.size == 24
    assert summary.overall.mean == pytest.approx(finite.mean())
    assert (summary.overall.ci_low, summary.overall.ci_high) == pytest.approx(
        (interval.low, interval.high)
    )
    assert summary.overall.favourable == pytest.approx(np.mean(finite >= 4))
    assert summary.overall.distribution == ()


def test_nothing_is_shown_below_the_minimum() -> None:
    answers = np.array([[5, 5, 4], [1, 2, 2]], dtype=float)
    summary = summarise_reaction(answers, ITEMS, ["Great.", "Too long."], minimum=3)
    assert summary.suppressed and summary.respondents == 2
    assert summary.comments == ()
    for row in (*summary.items, summary.overall):
        assert row.suppressed
        assert (row.mean, row.sd, row.ci_low, row.ci_high, row.favourable) == (None,) * 5
        assert row.distribution == ()


def test_at_the_minimum_values_and_comments_are_shown_in_alphabetical_order() -> None:
    answers = np.array([[5, 5, 4], [1, 2, 2], [3, 4, 4]], dtype=float)
    comments = ["too long", None, "  ", "Great venue.", "better slides"]
    summary = summarise_reaction(answers, ITEMS, comments, minimum=3)
    assert not summary.suppressed
    assert summary.items[0].mean == pytest.approx(3.0)
    assert summary.comments == ("better slides", "Great venue.", "too long")


def test_an_item_answered_by_fewer_than_the_minimum_is_hidden_alone() -> None:
    answers = np.array([[5, np.nan, 4], [4, np.nan, 2], [3, 4, 4]], dtype=float)
    summary = summarise_reaction(answers, ITEMS, [], minimum=3)
    assert not summary.items[0].suppressed
    assert summary.items[1].suppressed and summary.items[1].n == 1
    assert summary.items[1].mean is None


def test_no_respondents_gives_an_empty_suppressed_summary() -> None:
    summary = summarise_reaction(np.empty((0, 3)), ITEMS, [], minimum=3)
    assert summary.suppressed and summary.respondents == 0 and summary.overall.n == 0


@pytest.mark.parametrize("bad", [0, 6, 2.5, -1])
def test_answers_off_the_scale_are_refused(bad: float) -> None:
    answers = np.array([[5, 5, 4], [1, bad, 2], [3, 4, 4]], dtype=float)
    with pytest.raises(ValueError, match="1 to 5"):
        summarise_reaction(answers, ITEMS, [], minimum=3)


def test_a_shape_that_does_not_match_the_items_is_refused() -> None:
    with pytest.raises(ValueError, match="respondents"):
        summarise_reaction(np.ones((4, 2)), ITEMS, [], minimum=3)


def test_an_interval_needs_two_values() -> None:
    with pytest.raises(ValueError):
        mean_interval([3.0])
