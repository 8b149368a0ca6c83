"""Wide response tables to packed codes: values, problems, mapped labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import default_framework
from colead.domain import BLANK, NOT_OBSERVED
from colead.errors import InvalidData
from colead.ingest.mapping import Mapping
from colead.ingest.problems import RowNumbers
from colead.ingest.response_tables import wide_to_codes

FW = default_framework()
IDS = FW.item_ids


def _wide(values: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"ratee_id": "p1", "rater_id": f"r{i}", "relation": "peer", **row}
            for i, row in enumerate(values)
        ]
    )


def test_values_numbers_labels_and_not_observed() -> None:
    cells = [
        (4, 4), ("4", 4), ("4.0", 4), (4.0, 4), (np.int64(2), 2), ("Almost always", 5),
        ("almost  ALWAYS ", 5), ("rarely", 2), (None, BLANK), ("", BLANK), ("  ", BLANK),
        (float("nan"), BLANK), ("NA", NOT_OBSERVED), ("n/a", NOT_OBSERVED),
        ("Not observed", NOT_OBSERVED), ("NO", NOT_OBSERVED),
    ]  # fmt: skip
    wide = _wide([{"model_1": value} for value, _ in cells])
    meta, codes, problems, accepted = wide_to_codes(wide, FW, source="f", rows=RowNumbers())
    assert problems == []
    assert accepted == list(range(len(cells)))
    assert codes.dtype == np.int8 and codes.shape == (len(cells), len(IDS))
    assert list(codes[:, 0]) == [code for _, code in cells]
    assert (codes[:, 1:] == BLANK).all()  # items without a column are blank
    assert list(meta.columns) == [
        "ratee_id", "rater_id", "relation", "comment_strengths", "comment_suggestions",
    ]  # fmt: skip
    assert meta["comment_strengths"].isna().all()


def test_bad_cell_rejects_whole_row_with_located_problem() -> None:
    wide = _wide(
        [{"model_1": "3", "model_2": "7"}, {"model_1": "maybe"}, {"model_1": 5, "wave": "w1"}]
    )
    meta, codes, problems, accepted = wide_to_codes(wide, FW, source="f.csv", rows=RowNumbers())
    assert accepted == [2]
    assert list(meta["rater_id"]) == ["r2"] and list(meta["wave"]) == ["w1"]
    assert codes.shape == (1, len(IDS)) and codes[0, 0] == 5
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "model_2", "7"),
        (3, "model_1", "maybe"),
    ]
    assert "Almost never" in problems[0].hint and "values:" in problems[0].hint


def test_mapping_values() -> None:
    mapping = Mapping(values={"Always": 5, "Can't say": "not observed", "NO": 1})
    wide = _wide([{"model_1": "always"}, {"model_1": "can't  say"}, {"model_1": "NO"}])
    _, codes, problems, _ = wide_to_codes(wide, FW, source="f", rows=RowNumbers(), mapping=mapping)
    assert problems == [] and list(codes[:, 0]) == [5, NOT_OBSERVED, 1]
    with pytest.raises(InvalidData):
        wide_to_codes(wide, FW, source="f", rows=RowNumbers(), mapping=Mapping(values={"x": 9}))


def test_a_large_table_converts_every_cell() -> None:
    # Speed is measured in bench/import_speed.py, never asserted here.
    n = 20_000
    rng = np.random.default_rng(1)
    choices = np.array(["1", "2", "3", "4", "5", "", "NA", "Often", None], dtype=object)
    expected = np.array([1, 2, 3, 4, 5, BLANK, NOT_OBSERVED, 4, BLANK], dtype=np.int8)
    picks = {i: rng.integers(0, len(choices), n) for i in IDS}
    wide = pd.DataFrame({i: choices[p] for i, p in picks.items()})
    _, codes, problems, accepted = wide_to_codes(wide, FW, source="f", rows=RowNumbers())
    assert codes.shape == (n, len(IDS)) and problems == [] and len(accepted) == n
    for k, item in enumerate(IDS):
        np.testing.assert_array_equal(codes[:, k], expected[picks[item]])


_answer = st.sampled_from(["1", "2", "3", "4", "5", 1, 5.0, "often", "NA", None, ""])
_expected = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, 1: 1, 5.0: 5, "often": 4, "NA": -2}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(IDS[:10]), _answer, min_size=0, max_size=10),
        min_size=1,
        max_size=15,
    )
)
def test_property_valid_wide_round_trips(forms: list[dict[str, object]]) -> None:
    wide = _wide(forms)
    _, codes, problems, accepted = wide_to_codes(wide, FW, source="f", rows=RowNumbers())
    assert problems == [] and accepted == list(range(len(forms)))
    for row, form in enumerate(forms):
        for index, item in enumerate(IDS):
            value = form.get(item)
            assert codes[row, index] == _expected.get(value, BLANK)
