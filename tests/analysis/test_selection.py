"""Participant selection: the ranking rule, the cohort check and the anonymity minimum.

The ranking is checked against a plain-loop reimplementation written from the rule in
the module docstring. "Below par" is checked independently of the percentile code: the
percentile curve is increasing and piecewise linear through the norm's type-7 quantiles
(Hyndman & Fan 1996, numpy ``method="linear"``), so a score is below the 30th percentile
exactly when it lies below ``q25 + (30 − 25)/(50 − 25) · (q50 − q25)``.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from builders import small_simulation, wave_data
from colead.analysis import ReviewResults, analyse_wave
from colead.analysis.anonymity import fold_groups
from colead.analysis.data import WaveData
from colead.analysis.selection import (
    Selection,
    check_cohort,
    complete_observer_rows,
    rank_need,
    rank_results,
)

MINIMUM = 3
PRACTICES = ("model", "inspire", "challenge", "enable", "encourage")


@cache
def _wave() -> tuple[WaveData, ReviewResults, Selection]:
    data = wave_data(small_simulation())
    results = analyse_wave(data, MINIMUM)
    return data, results, rank_results(results, data.people)


def _plain_ranking(
    table: pd.DataFrame, people: pd.DataFrame, threshold: float
) -> list[tuple[str, bool, int, float, bool]]:
    """The ranking rule with dicts and loops only."""
    observed: dict[str, dict[str, float]] = {}
    for row in table.itertuples(index=False):
        if row.group == "observers" and row.scale_id in PRACTICES:
            observed.setdefault(str(row.ratee_id), {})[row.scale_id] = float(row.mean)
    cut = {}
    for practice in PRACTICES:
        values = [scores[practice] for scores in observed.values() if practice in scores]
        q25, q50 = np.quantile(values, [0.25, 0.50])
        cut[practice] = q25 + (30 - 25) / (50 - 25) * (q50 - q25)
    level = {str(p): int(lv) for p, lv in zip(people["person_id"], people["level"], strict=True)}
    rows = []
    for person, scores in observed.items():
        if len(scores) < 4:  # 2/3 of 5 practices, rounded up
            continue
        mean = sum(scores.values()) / len(scores)
        below = sum(1 for p, v in scores.items() if v < cut[p])
        titled = level[person] in (1, 2) and mean < threshold
        need = mean < threshold or 2 * below > len(scores)
        rows.append((person, need, below, mean, titled))

    Row = tuple[str, bool, int, float, bool]

    def before(a: Row, b: Row) -> bool:
        for x, y in ((not a[1], not b[1]), (-a[2], -b[2]), (a[3], b[3]), (not a[4], not b[4])):
            if x != y:
                return x < y
        return a[0] < b[0]

    ordered: list[tuple[str, bool, int, float, bool]] = []
    for row in rows:  # insertion sort: nothing shared with the implementation's sort
        k = len(ordered)
        while k > 0 and before(row, ordered[k - 1]):
            k -= 1
        ordered.insert(k, row)
    return ordered


def test_ranking_matches_a_plain_loop_reimplementation() -> None:
    data, results, selection = _wave()
    assert results.title_vs_leading is not None
    # the ranking reads the all-observers figures that count every observer
    expected = _plain_ranking(
        complete_observer_rows(results), data.people, results.title_vs_leading.threshold
    )
    got = [
        (p.person_id, p.in_need, p.n_below_par, p.leadership, p.title_without_leading)
        for p in selection.people
    ]
    assert [g[0] for g in got] == [e[0] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[1:3] == e[1:3] and g[4] == e[4]
        assert g[3] == pytest.approx(e[3], abs=1e-12)
    assert [p.rank for p in selection.people] == list(range(1, len(got) + 1))
    assert selection.in_need and selection.par_source.startswith("this wave")


def test_title_flag_agrees_with_the_engines_title_vs_leading_count() -> None:
    _, results, selection = _wave()
    tvl = results.title_vs_leading
    assert tvl is not None
    # Every titled level is shown in the simulation, and every titled person has all
    # observers shown, so the per-person flags add up to the engine's count.
    flagged = sum(p.title_without_leading for p in selection.people)
    assert flagged == tvl.title_without_leading
    assert all(p.level in (1, 2) for p in selection.people if p.title_without_leading)


def test_sites_are_ranked_by_share_in_need_with_plain_counts() -> None:
    _, _, selection = _wave()
    counts: dict[str, list[int]] = {}
    for p in selection.people:
        counts.setdefault(str(p.site), [0, 0])
        counts[str(p.site)][0] += 1
        counts[str(p.site)][1] += int(p.in_need)
    shown = [s for s in selection.sites if s.shown]
    for s in shown:
        assert (s.n_people, s.n_in_need) == tuple(counts[s.site])
    shares = [s.share_in_need for s in shown]
    assert shares == sorted(shares, reverse=True)
    assert [s.rank for s in shown] == list(range(1, len(shown) + 1))


def test_lowest_practices_are_the_persons_lowest_shown_scores() -> None:
    _, results, selection = _wave()
    table = results.person_scores.table
    person = selection.people[0]
    mine = table[(table["ratee_id"] == person.person_id) & (table["group"] == "observers")]
    mine = mine[mine["scale_id"].isin(PRACTICES)].sort_values("mean")
    assert [p for p, _ in person.lowest] == list(mine["scale_id"][:2])


def _hide_observers(data: WaveData, ratee: str) -> WaveData:
    """Keep only self, the manager and two peers about ``ratee``: the two peers fold into
    an "others" group below the minimum, so no observer mean may be shown."""
    responses = data.responses
    mine = responses["ratee_id"] == ratee
    keep = ~mine | responses["relation"].isin(["self", "manager"])
    peers = responses.index[mine & (responses["relation"] == "peer")][:2]
    keep[peers] = True
    rows = np.flatnonzero(keep.to_numpy())
    return WaveData(
        review=data.review,
        wave=data.wave,
        framework=data.framework,
        people=data.people,
        assignments=data.assignments,
        responses=responses.iloc[rows].reset_index(drop=True),
        values=data.values[rows],
    )


def test_no_person_is_ranked_on_a_group_below_the_minimum() -> None:
    data, _, _ = _wave()
    responses = data.responses
    counts = responses[responses["relation"] == "peer"].groupby("ratee_id").size()
    ratee = str(counts[counts >= 2].index[0])
    hidden = _hide_observers(data, ratee)
    results = analyse_wave(hidden, MINIMUM)
    # The engine still holds the person's raw observer mean for aggregates ...
    assert ratee in results.person_scores.observer_means.index
    selection = rank_results(results, hidden.people)
    # ... but it is not shown, so the person is not ranked, only counted.
    assert ratee not in {p.person_id for p in selection.people}
    assert selection.n_not_ranked >= 1
    # And every ranked person's observers pass the folding rule with nothing hidden.
    for person in selection.people:
        forms = hidden.responses[hidden.responses["ratee_id"] == person.person_id]
        mix = forms[forms["relation"] != "self"]["relation"].value_counts().to_dict()
        assert None not in fold_groups(mix, MINIMUM).values()
        assert person.n_observers >= 1


def _people(levels: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": list(levels),
            "name": list(levels),
            "site": ["North"] * len(levels),
            "level": list(levels.values()),
        }
    )


def _table(scores: dict[str, float]) -> pd.DataFrame:
    rows = [
        {"ratee_id": p, "scale_id": s, "group": "observers", "n_raters": 4, "mean": v}
        for p, v in scores.items()
        for s in PRACTICES
    ]
    return pd.DataFrame(rows)


LEVELS = {"A": 1, "B": 2, "C": 2, "D": 2, "E": 3, "F": 4, "G": 5, "H": 5, "J": 1}
SCORES = {"A": 4.0, "B": 3.0, "C": 4.2, "D": 4.1, "E": 2.5, "F": 3.1, "G": 2.0, "H": 4.4, "J": 4.3}


def _selection() -> Selection:
    return rank_need(_table(SCORES), _people(LEVELS), PRACTICES, threshold=3.5, minimum=3)


def test_an_all_senior_cohort_warns_when_need_is_lower_down() -> None:
    check = check_cohort(["A", "B", "C", "D"], _people(LEVELS), _selection())
    assert check.size == 4 and check.top_share == 1.0
    assert len(check.warnings) == 1 and "beyond senior roles" in check.warnings[0]
    mix = {m.level: (m.cohort, m.need) for m in check.levels}
    # In need: B (level 2), E (3), F (4), G (5).
    assert mix == {1: (1, 0), 2: (3, 1), 3: (0, 1), 4: (0, 1), 5: (0, 1)}
    assert check.not_in_need == ("A", "C", "D")


def test_a_mostly_senior_cohort_warns_at_80_percent_and_not_below() -> None:
    people, selection = _people(LEVELS), _selection()
    assert check_cohort(["A", "B", "C", "D", "G"], people, selection).warnings  # 4/5 = 80%
    assert not check_cohort(["A", "B", "C", "G", "F"], people, selection).warnings  # 60%


def test_a_mixed_cohort_does_not_warn() -> None:
    check = check_cohort(["A", "B", "E", "F", "G"], _people(LEVELS), _selection())
    assert check.warnings == ()
    assert [m.cohort for m in check.levels] == [1, 1, 1, 1, 1]
    assert [m.cohort_share for m in check.levels] == [0.2] * 5


def test_a_senior_cohort_does_not_warn_when_all_need_is_senior() -> None:
    scores = {**SCORES, "E": 4.5, "F": 4.5, "G": 4.5}
    selection = rank_need(_table(scores), _people(LEVELS), PRACTICES, threshold=3.5, minimum=3)
    assert not check_cohort(["A", "B", "C"], _people(LEVELS), selection).warnings


def test_unknown_cohort_ids_are_reported_not_counted() -> None:
    check = check_cohort(["A", "nobody", "A"], _people(LEVELS), _selection())
    assert check.size == 1 and check.unknown == ("nobody",)


def test_title_without_leading_and_ties_broken_by_id() -> None:
    scores = {"A": 3.0, "J": 3.0, "B": 3.0, "G": 3.0}
    levels = {"A": 1, "J": 1, "B": 2, "G": 5}
    selection = rank_need(_table(scores), _people(levels), PRACTICES, threshold=3.5, minimum=3)
    # All in need, none below par (identical scores give no norm spread), same leadership:
    # titled people first, then by id.
    assert [p.person_id for p in selection.people] == ["A", "B", "J", "G"]
    assert [p.title_without_leading for p in selection.people] == [True, True, True, False]
    assert selection.practices_without_norm == PRACTICES
    # Four ranked people at one site: shown with a share.
    assert selection.sites[0].share_in_need == 1.0
