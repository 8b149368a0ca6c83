"""Cells safe to open in a spreadsheet: the guard, its inverse, and the files written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from colead.ingest.reader import read_file
from colead.ingest.spreadsheet import (
    SafeCsvWriter,
    safe_frame,
    safe_text,
    unguard,
    without_controls,
    write_csv,
    write_xlsx,
)

#: text that looks like a formula to at least one spreadsheet program
FORMULAS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "\uff1d1+1",  # full-width equals sign
    "\uff20SUM(A1)",
    " =1+1",
    "\n=1+1",
    "\u200b=1+1",  # a zero-width space first
    '\x01=HYPERLINK("http://example.invalid")',
    "\x0e=1+1",
    "\x7f@x",
]


def test_safe_frame_prefixes_text_only() -> None:
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", None],
            "number": [-1, -2.5, 3, 0, 1, 2, 3, 4, 5],
        }
    )
    out = safe_frame(frame)
    assert out["text"].tolist()[:8] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "plain",
        "a=b",
    ]
    assert pd.isna(out["text"][8])
    assert out["number"].tolist() == [-1, -2.5, 3, 0, 1, 2, 3, 4, 5]
    assert frame["text"][0] == "=1+1"  # the input is left alone


def test_controls_go_before_the_guard_looks() -> None:
    guarded = [safe_text(text) for text in FORMULAS]
    assert all(text.startswith("'") for text in guarded), guarded
    assert safe_text("\x01=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_text("\x0e=1+1") == "'=1+1"
    assert safe_text("line one\nline two\ttab") == "line one\nline two\ttab"
    assert safe_text("a\x00b\x9fc") == "abc"


def test_plain_text_and_apostrophes_stay_as_they_are() -> None:
    for text in ["plain", "a=b", "O'Brien", "'quoted'", "", "5", "1-2", "e-mail"]:
        assert safe_text(text) == text
    # an apostrophe before a formula gets one more, so that reading back keeps it
    assert safe_text("'=1") == "''=1"
    assert unguard("''=1") == "'=1"


@given(st.text())
def test_reading_back_gives_the_text_without_its_controls(text: str) -> None:
    assert unguard(safe_text(text)) == without_controls(text)


@given(st.text())
def test_no_safe_text_starts_like_a_formula(text: str) -> None:
    safe = safe_text(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d"))
    assert without_controls(safe) == safe


def test_an_xlsx_never_holds_a_formula_or_an_error_cell(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": [*FORMULAS, "#N/A", "plain"],
            "number": list(range(-1, len(FORMULAS) + 1)),
        }
    )
    frame["when"] = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    frame.loc[0, "number"] = None
    path = tmp_path / "t.xlsx"
    write_xlsx(frame, path, "people")
    sheet = openpyxl.load_workbook(path)["people"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert {cell.data_type for cell in cells if isinstance(cell.value, str)} == {"s"}
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert names == [safe_text(text) for text in [*FORMULAS, "#N/A", "plain"]]
    numbers = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert numbers[0] is None and numbers[1:3] == [0, 1]
    assert sheet.cell(2, 3).value == datetime(2026, 3, 1, 12, 30)


def test_files_written_read_back_as_they_were_given(tmp_path: Path) -> None:
    texts = ["=1+1", "'=1", "-5", "plain", "\uff1d2", " @x"]
    frame = pd.DataFrame({"person_id": [f"P{i}" for i in range(len(texts))], "name": texts})
    for name, write in [
        ("t.csv", lambda path: write_csv(frame, path)),
        ("t.xlsx", lambda path: write_xlsx(frame, path, "sheet")),
    ]:
        path = tmp_path / name
        write(path)
        back = read_file(path).cells
        assert back.iloc[1:, 1].tolist() == texts, name


def test_the_csv_writer_guards_every_row() -> None:
    handle = io.StringIO()
    SafeCsvWriter(handle).writerows([["=a", "b"], ["\x02+c", 3]])
    assert list(csv.reader(io.StringIO(handle.getvalue()))) == [["'=a", "b"], ["'+c", "3"]]
