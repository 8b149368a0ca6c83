"""Cells that are safe to open in a spreadsheet.

Every CSV and XLSX file colead writes (exports, invitation and participant links, the
rejected rows of an import, the language analyser's tables) goes through this module, so
that names, comments and document text typed by anyone cannot run as a formula when an
admin opens the file in Excel or LibreOffice (OWASP "CSV injection").

The guard, for each text cell:

1. Control characters are removed (all of C0 but tab, line feed and carriage return,
   DEL and C1). They come first because they can hide a formula from the guard:
   ``"\\x01=HYPERLINK(...)"`` does not start with ``=``, yet openpyxl must drop the
   ``\\x01`` (XML cannot hold it), and what is left is a formula.
2. Text that a spreadsheet could read as a formula gets a leading apostrophe: text
   starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (OWASP), with their
   full-width forms (``＝ ＋ － ＠``, which Excel converts under East Asian input
   settings), and text whose first visible character is one of them after spaces, line
   breaks or invisible format characters (some programs trim those on import). Text that
   already starts with apostrophes before such a character gets one more, so that
   reading the file back (:func:`unguard`, used by the importer) gives exactly the text
   that was written.

XLSX cells are moreover written as text cells: a cell is never stored as a formula (or
as an error value such as ``#N/A``), whatever its text. Numbers stay numbers, negative
ones included; only text changes.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: the apostrophe that marks a guarded cell
GUARD = "'"

#: C0 controls except tab, line feed and carriage return; DEL; C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """``text`` without the control characters no spreadsheet cell may hold."""
    return _CONTROL.sub("", text)


def _invisible(character: str) -> bool:
    """Whether a leading character could be skipped by a program reading the cell."""
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs")


def looks_like_formula(text: str) -> bool:
    """Whether ``text``, written as it is, could be read as a formula (or, with leading
    apostrophes, would lose one of them to :func:`unguard` when read back)."""
    stripped = text.lstrip(GUARD)
    if stripped.startswith(FORMULA_TRIGGERS):
        return True
    index = 0
    while index < len(stripped) and _invisible(stripped[index]):
        index += 1
    return stripped[index:].startswith(FORMULA_TRIGGERS)


def safe_text(text: str) -> str:
    """``text`` as a cell that no spreadsheet runs: controls removed, then guarded."""
    cleaned = without_controls(text)
    return GUARD + cleaned if looks_like_formula(cleaned) else cleaned


def safe_value(value: Any) -> Any:
    """:func:`safe_text` for text; any other value as it is."""
    return safe_text(value) if isinstance(value, str) else value


def unguard(text: str) -> str:
    """The text a guarded cell was made from: one guarding apostrophe removed.

    The inverse of :func:`safe_text` for text without control characters; text without a
    guard is returned as it is.
    """
    if text.startswith(GUARD) and looks_like_formula(text[1:]):
        return text[1:]
    return text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which every text cell and column name is safe.

    Numeric and boolean columns are left as they are; in other columns only ``str``
    cells change.
    """
    out = frame.copy()
    out.columns = pd.Index([safe_value(name) for name in out.columns])
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column]):
            continue
        out[column] = out[column].map(safe_value)
    return out


def write_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """``frame`` as a CSV file for spreadsheets: UTF-8 with a byte-order mark (so that
    Excel reads accents right), without the index, every text cell safe."""
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")


class SafeCsvWriter:
    """A ``csv.writer`` whose every text cell is made safe before it is written."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([safe_value(value) for value in values])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_xlsx(frame: pd.DataFrame, path: Path | str, sheet: str) -> None:
    """``frame`` as an XLSX workbook of one sheet, with a header row.

    Text is made safe and stored as text cells (openpyxl would otherwise store any text
    starting with ``=`` as a formula, and ``#N/A`` as an error); numbers, booleans and
    dates keep their types; missing values are empty cells.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(title=sheet)

    def cell(value: Any) -> Any:
        plain = _plain(value)
        if not isinstance(plain, str):
            return plain
        text = WriteOnlyCell(worksheet, value=safe_text(plain))
        text.data_type = "s"
        return text

    worksheet.append([cell(str(name)) for name in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        worksheet.append([cell(value) for value in row])
    book.save(path)


def _plain(value: Any) -> Any:
    """A cell value openpyxl writes as it is: Python numbers, booleans, naive UTC times,
    text, or None for a missing value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        # XLSX has no time zones: colead's times are UTC, written without their zone
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date | str):
        return value
    return str(value)
