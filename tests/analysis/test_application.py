"""Plan progress of programme participants (Phillips level 3, application).

Counts are recomputed by hand with pandas; the anonymity rule is that every published group
holds at least the minimum of participants, and that the groups of one breakdown partition
the participants, so subtracting published groups from the total never isolates fewer than
the minimum.
"""

from __future__ import annotations

import pandas as pd
import pytest

from colead.analysis.application import APPLICATION_COLUMNS, POOLED, plan_progress

PEOPLE = pd.DataFrame(
    {
        "person_id": [f"P{k}" for k in range(12)],
        "level": [1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4],
        "site": ["Leeds"] * 5 + ["Lyon"] * 4 + ["Oslo"] * 2 + ["Rome"],
    }
)


def _actions() -> pd.DataFrame:
    rows = []
    for k in range(12):
        for status in ("done", "in_progress", "open", "done", "dropped")[: 2 + k % 4]:
            rows.append({"person_id": f"P{k}", "status": status})
    return pd.DataFrame(rows)


def test_counts_match_the_actions_of_enrolled_people_only() -> None:
    actions = _actions()
    enrolled = [f"P{k}" for k in range(11)]  # P11 is not enrolled: not counted
    table = plan_progress(actions, PEOPLE, enrolled, 3)
    assert list(table.columns) == APPLICATION_COLUMNS
    overall = table[table["breakdown"] == "all"].iloc[0]
    mine = actions[actions["person_id"].isin(enrolled)]
    by_hand = mine["status"].value_counts()
    assert overall["n_people"] == 11 and overall["actions"] == len(mine)
    for status in ("done", "in_progress", "open", "dropped"):
        assert overall[status] == by_hand.get(status, 0)
    live = len(mine) - by_hand.get("dropped", 0)
    assert overall["share_done"] == pytest.approx(by_hand["done"] / live)


@pytest.mark.parametrize("breakdown", ["level", "site"])
def test_small_groups_are_pooled_so_no_cell_is_below_the_minimum(breakdown: str) -> None:
    enrolled = list(PEOPLE["person_id"])
    table = plan_progress(_actions(), PEOPLE, enrolled, 3)
    rows = table[table["breakdown"] == breakdown]
    assert (rows["n_people"] >= 3).all()
    # the groups partition the participants: they add up to the total
    overall = table[table["breakdown"] == "all"].iloc[0]
    assert rows["n_people"].sum() == overall["n_people"]
    assert rows["actions"].sum() == overall["actions"]
    if breakdown == "site":
        # Oslo (2) and Rome (1) are pooled together: 3 people
        assert set(rows["group"]) == {"Leeds", "Lyon", POOLED}
        assert rows.set_index("group").loc[POOLED, "n_people"] == 3
    else:
        # level 4 has 3, level 3 only 2: the pool takes the next smallest (level 2 or 4)
        pooled = rows.set_index("group").loc[POOLED, "n_people"]
        assert pooled >= 3 and "3" not in set(rows["group"])


def test_too_few_participants_or_no_plans_give_an_empty_table() -> None:
    assert plan_progress(None, PEOPLE, ["P1"], 3).empty
    assert plan_progress(_actions(), PEOPLE, ["P1", "P2"], 3).empty
    assert plan_progress(_actions().iloc[0:0], PEOPLE, ["P1"], 3).empty
