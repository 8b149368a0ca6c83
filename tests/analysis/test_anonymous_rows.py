"""Raw forms as anonymous rows: the same grouping and cells as the results, and small sites."""

from __future__ import annotations

import numpy as np
import pandas as pd

from builders import crafted_wave, default_framework
from colead.analysis.anonymous_rows import anonymous_rows
from colead.analysis.data import WaveData
from colead.framework import RatedUnit


def _wide(data: WaveData) -> pd.DataFrame:
    cells = data.values.astype(object)
    cells[data.values == -1] = None  # blank, as the stored layout decodes it
    items = pd.DataFrame(cells, columns=list(data.framework.item_ids))
    keys = data.responses.reset_index(drop=True)
    comments = pd.DataFrame(
        {
            "comment_strengths": [
                f"{r} about {e}" for e, r in zip(keys["ratee_id"], keys["rater_id"], strict=True)
            ],
            "comment_suggestions": None,
        }
    )
    return pd.concat([pd.DataFrame({"wave": ["w"] * len(keys)}), keys, items, comments], axis=1)


def _forms(ratee: str, relations: dict[str, int]) -> list[tuple[str, str, str, int]]:
    return [
        (ratee, f"{ratee}-{relation}-{i}", relation, 3)
        for relation, n in relations.items()
        for i in range(n)
    ]


def test_rows_fold_small_groups_and_withhold_what_would_expose() -> None:
    data = crafted_wave(
        _forms("A", {"self": 1, "manager": 1, "peer": 3, "partner": 1, "other": 1})
        + _forms("B", {"self": 1, "peer": 2, "partner": 1})
        + _forms("C", {"self": 1, "peer": 1, "partner": 1})
        + _forms("D", {"manager": 3, "partner": 4})
    )
    rows = anonymous_rows(_wide(data), data, 3)
    out = rows.table
    assert "rater_id" not in out.columns
    assert out.groupby(["ratee_id", "relation"]).size().to_dict() == {
        # A: partner + other (2) are too few on their own, so all observers pool
        ("A", "others"): 5,
        ("A", "self"): 1,
        ("B", "others"): 3,
        ("B", "self"): 1,
        ("C", "self"): 1,
        ("D", "manager"): 3,
        ("D", "partner"): 4,
    }
    assert rows.withheld_forms == 1 + 2  # A's single manager, C's two observers
    assert len(out) + rows.withheld_forms == len(data.responses)


def test_a_scale_too_few_of_a_group_scored_is_blanked_like_in_the_results() -> None:
    framework = default_framework()
    items = list(framework.item_ids)
    inspire = [k for k, s in enumerate(framework.item_scale) if s == "inspire"]
    skipped = np.full(len(items), 4, dtype=np.int8)
    skipped[inspire] = -1  # blank
    data = crafted_wave([("P", "a", "peer", 4), ("P", "b", "peer", 2), ("P", "c", "peer", skipped)])
    rows = anonymous_rows(_wide(data), data, 3)
    inspire_items = [items[k] for k in inspire]
    # only two peers scored "inspire": the results withhold that cell, so do the rows
    assert rows.table[inspire_items].isna().all().all()
    assert rows.blanked_answers == 2 * len(inspire_items)
    model = [i for i, s in zip(items, framework.item_scale, strict=True) if s == "model"]
    assert rows.table[model].notna().all().all()


def test_site_ratings_of_a_small_site_are_blanked_on_self_rows() -> None:
    """Finding 9: a lone respondent's site ratings, tied to them by ratee id and site."""
    framework = default_framework()
    site_items = [
        item
        for item, scale in zip(framework.item_ids, framework.item_scale, strict=True)
        if framework.family(framework.scale_family[scale]).rates is RatedUnit.site
    ]
    forms = [(p, p, "self", 2) for p in ("L", "B1", "B2", "B3")]
    data = crafted_wave(forms, sites={"L": "Lonely", "B1": "Big", "B2": "Big", "B3": "Big"})
    table = anonymous_rows(_wide(data), data, 3).table.set_index("ratee_id")
    assert table.loc["L", site_items].isna().all()
    assert table.loc[["B1", "B2", "B3"], site_items].notna().all().all()
