"""Unfinished responses told by the survey tool's own columns."""

from __future__ import annotations

import pandas as pd

from colead.ingest.completion import read_completion


def test_qualtrics_finished_and_progress() -> None:
    frame = pd.DataFrame(
        {
            "completed": ["True", "False", "1", None, None],
            "progress": ["100", "40", "100", "60", None],
        }
    )
    completion = read_completion(frame)
    assert completion.finished.tolist() == [True, False, True, False, True]
    assert completion.reason(1) == "finished = False, progress = 40 %"
    assert completion.reason(3) == "progress = 60 %"
    assert completion.reason(0) == ""


def test_limesurvey_blank_submit_date_is_unfinished() -> None:
    frame = pd.DataFrame({"submitted_at": ["2026-11-02 10:00:00", None, "  "]})
    completion = read_completion(frame)
    assert completion.finished.tolist() == [True, False, False]
    assert completion.reason(1) == "no submit date"


def test_a_table_without_completion_columns_is_all_finished() -> None:
    completion = read_completion(pd.DataFrame({"ratee_id": ["a", "b"]}))
    assert completion.finished.tolist() == [True, True] and completion.recorded is None


def test_recorded_dates_in_the_tools_formats() -> None:
    frame = pd.DataFrame(
        {
            "recorded_at": [
                "2026-11-03 09:14:22",  # Qualtrics
                "11/04/2026 10:01:02 AM",  # SurveyMonkey
                "2026/11/05 9:14:22 am GMT",  # Google Forms
                "not a date",
                None,
            ]
        }
    )
    recorded = read_completion(frame).recorded
    assert recorded is not None
    assert recorded.iloc[0] < recorded.iloc[1] < recorded.iloc[2]
    assert recorded.iloc[3:].isna().all()
