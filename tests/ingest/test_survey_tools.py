"""Survey-tool exports: format detection, question matching, labels to codes end to end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from builders import default_framework
from colead.domain import NOT_OBSERVED
from colead.framework.model import Framework
from colead.ingest.mapping import Mapping
from colead.ingest.problems import RowNumbers
from colead.ingest.response_tables import wide_to_codes
from colead.ingest.survey_tools import (
    SurveyTable,
    detect_format,
    normalise_question,
    read_survey_export,
)

DATA = Path(__file__).parent / "data"
FW = default_framework()
SATISFACTION = [
    "Very dissatisfied", "Somewhat dissatisfied", "Neutral", "Somewhat satisfied",
    "Very satisfied",
]  # fmt: skip


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(
        DATA / name, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def _tiny(texts: list[str]) -> Framework:
    """A one-family framework whose items are some real questions of a sample."""
    items = [{"id": f"q_{n + 1}", "text": t} for n, t in enumerate(texts)]
    return Framework.model_validate(
        {
            "id": "tiny",
            "version": "1.0",
            "title": "Sample questions",
            "response_scale": {
                "points": [{"value": v + 1, "label": lab} for v, lab in enumerate(SATISFACTION)]
            },
            "families": [
                {
                    "id": "sample",
                    "title": "Sample",
                    "rates": "site",
                    "scales": [{"id": "all", "title": "All", "items": items}],
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("qualtrics-easyqualtrics-mealkit.csv", "qualtrics"),
        ("qualtrics-qualtRics-sample.csv", "qualtrics"),
        ("qualtrics-qualtRics-sample_legacy.csv", "qualtrics_legacy"),
        ("googleforms-jupyter-education2016.csv", "googleforms"),
    ],
)
def test_detect_format_of_real_samples(name: str, expected: str) -> None:
    assert detect_format(_raw(name)) == expected


def test_detect_plain_layouts() -> None:
    assert detect_format(pd.DataFrame([["ratee_id", "rater_id", "model_1"]])) == "wide"
    assert detect_format(pd.DataFrame([["Ratee", "Rater", "Item", "Value"]])) == "long"


def test_qualtrics_matrix_labels_to_codes_end_to_end() -> None:
    drivers = ["Time required to cook", "Ease of cooking instructions", "Quality of ingredients"]
    framework = _tiny(["Satisfaction with a product or service", *drivers])
    mapping = Mapping(
        columns={"ResponseId": "rater_id", "ExternalReference": "ratee_id"},
        values={"Neither satisfied nor dissatisfied": 3},
    )
    raw = _raw("qualtrics-easyqualtrics-mealkit.csv")
    table = read_survey_export(raw, framework, mapping=mapping)
    assert table.format == "qualtrics" and table.first_data_row == 4
    assert len(table.wide) == 100
    matched = {m.column: (m.item_id, m.method) for m in table.matches if m.item_id}
    assert matched == {
        "CSAT": ("q_1", "text"),
        "Drivers_1": ("q_2", "text"),
        "Drivers_2": ("q_3", "text"),
        "Drivers_3": ("q_4", "text"),
    }
    assert {"Drivers_4", "Age"} <= {m.column for m in table.matches if m.method == "unmatched"}
    assert {"rater_id", "ratee_id", "q_1", "q_4"} <= set(table.wide.columns)
    assert "Age" not in table.wide.columns
    meta, codes, problems, accepted = wide_to_codes(
        table.wide, framework, source="mealkit.csv", rows=RowNumbers(table.first_data_row),
        mapping=mapping,
    )  # fmt: skip
    assert problems == [] and len(accepted) == 100
    assert meta["rater_id"].iloc[0] == raw.iloc[3, 8]  # ResponseId of the first response
    labels = {lab: n + 1 for n, lab in enumerate(SATISFACTION)}
    labels["Neither satisfied nor dissatisfied"] = 3
    expected = raw.iloc[3:, [18, 20, 21, 22]].map(labels.get).to_numpy()
    assert (codes == expected).all()
    # Without the mapping the unmapped label is a located problem.
    _, _, problems, accepted = wide_to_codes(
        table.wide, framework, source="m", rows=RowNumbers(table.first_data_row)
    )
    assert problems and problems[0].value == "Neither satisfied nor dissatisfied"
    assert problems[0].row is not None and problems[0].row >= 4 and len(accepted) < 100


def test_small_qualtrics_samples_and_google_forms() -> None:
    table = read_survey_export(_raw("qualtrics-qualtRics-sample.csv"), FW)
    assert (table.format, table.first_data_row, len(table.wide)) == ("qualtrics", 4, 1)
    assert [m.column for m in table.matches] == ["Q1", "Q2", "Q2 - Topics"]
    legacy = read_survey_export(_raw("qualtrics-qualtRics-sample_legacy.csv"), FW)
    assert (legacy.format, legacy.first_data_row, len(legacy.wide)) == ("qualtrics_legacy", 3, 1)
    assert "ResponseID" in legacy.wide.columns

    questions = ["How often is this course taught?", "What level of education is your course?"]
    google = read_survey_export(_raw("googleforms-jupyter-education2016.csv"), _tiny(questions))
    assert (google.format, google.first_data_row, len(google.wide)) == ("googleforms", 2, 125)
    assert [(m.item_id, m.method) for m in google.matches if m.item_id] == [
        ("q_1", "text"),
        ("q_2", "text"),
    ]
    # The Timestamp is also given as recorded_at, which orders repeated responses.
    assert list(google.wide.columns) == ["Timestamp", "q_1", "q_2", "recorded_at"]


# ----------------------------------------------------------- synthetic exports, our framework

LABELS = [p.label for p in FW.response_scale.points]


def _answers(n: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(1, 6, size=(n, len(FW.item_ids)))


def _check(table: SurveyTable, answers: np.ndarray, method: str = "text") -> None:
    assert [m.item_id for m in table.matches] == list(FW.item_ids)
    assert {m.method for m in table.matches} == {method}
    _, codes, problems, accepted = wide_to_codes(
        table.wide, FW, source="x", rows=RowNumbers(table.first_data_row)
    )
    assert problems == [] and len(accepted) == len(answers)
    assert (codes == answers).all()


def test_synthetic_qualtrics_export() -> None:
    answers = _answers(5)
    ids = ["RateeID", "RaterID", "Relation"]
    tags = [*ids, *(f"Q1_{n + 1}" for n in range(len(FW.item_ids)))]
    texts = [*ids, *(f"How often does this person...? - {i.text}" for i in FW.items)]
    imports = [json.dumps({"ImportId": t}) for t in tags]
    rows = [[f"p{r}", f"r{r}", "peer", *(LABELS[a - 1] for a in answers[r])] for r in range(5)]
    raw = pd.DataFrame([tags, texts, imports, *rows])
    mapping = Mapping(columns={"RateeID": "ratee_id", "RaterID": "rater_id"})
    table = read_survey_export(raw, FW, mapping=mapping)
    assert table.format == "qualtrics"
    assert list(table.wide.columns[:3]) == ["ratee_id", "rater_id", "relation"]
    _check(table, answers)


def test_synthetic_google_forms_grid_with_not_observed() -> None:
    answers = _answers(4)
    header = [
        "Timestamp",
        "Your ID",
        *(f"How often does this person: [{i.text}]" for i in FW.items),
    ]
    rows = [["2024/01/01 10:00:00", f"r{r}", *map(str, answers[r])] for r in range(4)]
    rows[0][2] = "Not observed"
    answers[0, 0] = NOT_OBSERVED
    table = read_survey_export(pd.DataFrame([header, *rows]), FW)
    assert table.format == "googleforms" and table.first_data_row == 2
    assert table.notes[-1].startswith("1 question column")  # "Your ID" is reported
    _check(replace(table, matches=tuple(m for m in table.matches if m.item_id)), answers)


def test_synthetic_msforms_xlsx_self_wording(tmp_path: Path) -> None:
    answers = _answers(3)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    meta = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    sheet.append([*meta, *(i.self_text or i.text for i in FW.items)])
    for r in range(3):
        sheet.append([r + 1, 45000.5, 45000.6, f"r{r}@x.org", f"R {r}", None, *answers[r]])
    path = tmp_path / "forms.xlsx"
    book.save(path)
    raw = pd.read_excel(path, header=None, dtype=str, keep_default_na=False)
    assert detect_format(raw) == "msforms"
    table = read_survey_export(raw, FW)
    assert len(table.wide) == 3 and "Completion time" in table.wide.columns
    _check(table, answers)


def test_fuzzy_match_is_used_and_reported() -> None:
    item = FW.items[0]
    header = ["Timestamp", item.text.replace("straight away", "straightaway"), "model_2"]
    table = read_survey_export(pd.DataFrame([header, ["t", "4", "Often"]]), FW)
    fuzzy = [m for m in table.matches if m.method == "fuzzy"]
    assert [m.item_id for m in fuzzy] == [item.id] and 0.85 <= fuzzy[0].score < 1
    assert any("similar wording" in n for n in table.notes)
    assert table.matches[1].method == "id"
    assert normalise_question("This person tells, the partner!") == "tells the partner"
