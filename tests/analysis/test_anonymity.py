"""The anonymity rule, tried against every small rater mix an attacker could meet."""

from __future__ import annotations

import itertools

from colead.analysis import fold_groups, observers_shown
from colead.domain import ALWAYS_SHOWN, Relation

POOLED = [r.value for r in Relation if r not in ALWAYS_SHOWN]


def _all_mixes(max_per_group: int = 4):  # type: ignore[no-untyped-def]
    for manager in (0, 1):
        for counts in itertools.product(range(max_per_group + 1), repeat=len(POOLED)):
            mix = dict(zip(POOLED, counts, strict=True))
            mix["manager"] = manager
            mix["self"] = 1
            yield mix


def test_no_reported_group_of_pooled_relations_is_below_the_minimum() -> None:
    for minimum in (3, 4, 5):
        for mix in _all_mixes():
            grouping = fold_groups(mix, minimum)
            sizes: dict[str, int] = {}
            for relation, group in grouping.items():
                if group is not None and relation in POOLED:
                    sizes[group] = sizes.get(group, 0) + mix[relation]
            assert all(n >= minimum for n in sizes.values()), (mix, grouping)


def test_observer_total_never_exposes_hidden_raters_by_subtraction() -> None:
    for minimum in (3, 4):
        for mix in _all_mixes():
            grouping = fold_groups(mix, minimum)
            hidden = sum(n for rel, n in mix.items() if n and grouping.get(rel) is None)
            if observers_shown(mix, minimum):
                assert hidden == 0, mix


def test_self_and_manager_are_always_shown_and_large_groups_stand_alone() -> None:
    grouping = fold_groups({"self": 1, "manager": 1, "peer": 3, "partner": 5}, 3)
    assert grouping == {"self": "self", "manager": "manager", "peer": "peer", "partner": "partner"}


def test_two_small_groups_that_reach_the_minimum_together_become_others() -> None:
    grouping = fold_groups({"peer": 4, "partner": 2, "direct_report": 1}, 3)
    assert grouping == {"peer": "peer", "partner": "others", "direct_report": "others"}


def test_a_small_remainder_pulls_every_pooled_group_into_others() -> None:
    grouping = fold_groups({"peer": 3, "partner": 1}, 3)
    assert grouping == {"peer": "others", "partner": "others"}
    assert fold_groups({"peer": 1, "partner": 1}, 3) == {"peer": None, "partner": None}
