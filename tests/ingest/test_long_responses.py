"""Long response tables folded into forms, in one piece and in chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import default_framework
from colead.domain import BLANK, NOT_OBSERVED
from colead.errors import InvalidData
from colead.ingest.long_responses import FoldedForms, LongFolder
from colead.ingest.mapping import Mapping
from colead.ingest.problems import RowNumbers

FW = default_framework()
IDS = FW.item_ids
COLUMNS = ["ratee_id", "rater_id", "relation", "item_id", "value"]


def _long(rows: list[tuple[object, ...]], columns: list[str] = COLUMNS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _fold(
    long: pd.DataFrame, chunk: int | None = None, mapping: Mapping | None = None
) -> FoldedForms:
    folder = LongFolder(FW, source="l", rows=RowNumbers(), mapping=mapping)
    step = chunk or max(len(long), 1)
    for start in range(0, max(len(long), 1), step):
        folder.add(long.iloc[start : start + step])
    return folder.finish()


def test_folds_forms_in_order_of_first_appearance_with_comments() -> None:
    long = _long(
        [
            ("a", "x", "peer", "model_2", "3"),
            ("b", "y", "self", "model_1", "5"),
            ("a", "x", "Peer", "Model_1 ", "4"),
            ("a", "x", "peer", "model_2", "3.0"),  # a repeat with the same answer is fine
            ("b", "y", None, "model_2", "NA"),
        ]
    )
    long["comment_strengths"] = [None, "", "listens", None, " plans "]
    folded = _fold(long)
    assert folded.problems == []
    assert folded.meta["ratee_id"].tolist() == ["a", "b"]
    assert folded.meta["relation"].tolist() == ["peer", "self"]
    assert folded.meta["comment_strengths"].tolist() == ["listens", "plans"]
    assert folded.meta["comment_suggestions"].tolist() == [None, None]
    assert "wave" not in folded.meta
    m1, m2 = IDS.index("model_1"), IDS.index("model_2")
    assert folded.codes.dtype == np.int8 and folded.codes.shape == (2, len(IDS))
    assert folded.codes[0, [m1, m2]].tolist() == [4, 3]
    assert folded.codes[1, [m1, m2]].tolist() == [5, NOT_OBSERVED]
    assert (np.delete(folded.codes, [m1, m2], axis=1) == BLANK).all()
    assert [folded.first_position(k) for k in range(2)] == [0, 1]
    assert {k: v.tolist() for k, v in folded.positions_of([0, 1]).items()} == {
        0: [0, 2, 3], 1: [1, 4],
    }  # fmt: skip
    assert folded.rows_read == 5


def test_every_rule_quarantines_the_whole_form() -> None:
    long = _long(
        [
            ("a", "x", "peer", "model_1", "4"),
            ("a", "x", "peer", "model_1", "2"),  # conflicting repeat
            ("b", "y", "self", "model_1", "4"),
            ("b", "y", "peer", "model_2", "4"),  # relation differs
            ("c", "z", "self", "modle_2", "1"),  # unknown item
            ("d", "w", "self", "model_1", "1"),
            ("e", None, "peer", "model_1", "1"),  # no rater
            ("f", "v", "peer", None, "1"),  # no item
            ("g", "u", "peer", "model_1", "9"),  # off the scale
            ("g", "u", "peer", "model_2", "3"),
        ]
    )
    folded = _fold(long)
    assert folded.meta["ratee_id"].tolist() == ["d"]
    by_row = {(p.row or 0, p.column): p for p in folded.problems}
    assert sorted({row for row, _ in by_row}) == [2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert by_row[3, "value"].value == "2"
    assert by_row[5, "relation"].value == "peer" and "'self'" in by_row[5, "relation"].message
    assert by_row[6, "item_id"].value == "modle_2" and "model_2" in by_row[6, "item_id"].hint
    assert by_row[8, "ratee_id"].message == "ratee_id or rater_id is blank"
    assert by_row[9, "item_id"].message == "item_id is blank"
    assert by_row[10, "value"].value == "9" and "response scale" in by_row[10, "value"].message
    assert by_row[2, None].message.startswith("another row of this form")  # the conflict's first
    assert by_row[11, None].message.startswith("another row of this form")
    assert [p.row for p in folded.problems] == sorted(p.row or 0 for p in folded.problems)


def test_a_label_and_its_number_are_one_answer() -> None:
    label = FW.response_scale.points[3]  # scale point 4
    long = _long([("a", "x", "peer", "model_1", "4"), ("a", "x", "peer", "model_1", label.label)])
    folded = _fold(long)
    assert folded.problems == [] and folded.codes[0, 0] == label.value


def test_waves_keep_forms_apart_and_blank_waves_form_their_own_group() -> None:
    columns = ["wave", *COLUMNS]
    long = _long(
        [
            ("w1", "a", "x", "peer", "model_1", "4"),
            ("w2", "a", "x", "peer", "model_1", "2"),
            (None, "a", "x", "peer", "model_1", "3"),
        ],
        columns,
    )
    folded = _fold(long)
    assert folded.problems == []
    assert folded.meta["wave"].tolist() == ["w1", "w2", None]
    assert folded.codes[:, 0].tolist() == [4, 2, 3]


def test_mapping_names_items_and_answers() -> None:
    mapping = Mapping(items={"Q1": "model_1"}, values={"Always!": 5})
    folded = _fold(_long([("a", "x", "peer", "q1", "Always!")]), mapping=mapping)
    assert folded.problems == [] and folded.codes[0, 0] == 5


def test_a_formula_guard_written_by_an_export_is_removed() -> None:
    folded = _fold(_long([("'-a", "x", "peer", "model_1", "4")]))
    assert folded.meta["ratee_id"].tolist() == ["-a"]


def test_missing_columns_refuse_the_table() -> None:
    with pytest.raises(InvalidData, match="no column value"):
        _fold(_long([("a", "x", "peer", "model_1")], COLUMNS[:4]))


def test_an_empty_table_folds_to_nothing() -> None:
    folded = _fold(_long([]))
    assert folded.meta.empty and folded.codes.shape == (0, len(IDS)) and folded.problems == []


_ANSWERS = {"1": 1, "2": 2, "5": 5, "NA": NOT_OBSERVED, "Often": 4}


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.tuples(
            st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.sampled_from(IDS[:6])
        ),
        st.sampled_from(sorted(_ANSWERS)),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=1, max_value=7),
)
def test_property_folding_in_any_chunks_gives_back_every_answer(
    cells: dict[tuple[str, str, str], str], chunk: int
) -> None:
    long = _long([(r, w, f"rel_{r}{w}", i, v) for (r, w, i), v in cells.items()])
    folded = _fold(long, chunk=chunk)
    whole = _fold(long)
    assert folded.problems == []
    assert folded.meta.equals(whole.meta) and np.array_equal(folded.codes, whole.codes)
    every = sorted(
        p
        for ps in folded.positions_of(
            [folded.first_position(k) for k in range(len(folded.meta))]
        ).values()
        for p in ps.tolist()
    )
    assert every == list(range(len(long)))
    got = {
        (ratee, rater, IDS[index]): int(folded.codes[k, index])
        for k, (ratee, rater) in enumerate(
            zip(folded.meta["ratee_id"], folded.meta["rater_id"], strict=True)
        )
        for index in range(6)
        if folded.codes[k, index] != BLANK
    }
    assert got == {key: _ANSWERS[v] for key, v in cells.items()}
