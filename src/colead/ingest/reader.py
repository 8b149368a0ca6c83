"""Read a user's file (CSV or XLSX) into a table of text cells, whatever its encoding.

CSV: UTF-8 with or without BOM, UTF-16 (by BOM) and legacy single-byte encodings
(cp1252 / latin-1, detected); comma, semicolon, tab or pipe delimiters; quoted fields with
line breaks. XLSX: the first sheet or the one named. Every cell is read as text so that
ids like ``007`` keep their zeros and the validators decide what is a number; date cells
arrive as ISO text (``2024-03-31``, with the time only when it is not midnight).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from colead.errors import InvalidData
from colead.ingest.spreadsheet import GUARD, unguard

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class RawFile:
    """A file's cells (all rows, no header applied) and what was learnt reading it."""

    path: Path
    cells: pd.DataFrame
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    size: int
    sha256: str


def read_file(path: Path, *, sheet: str | None = None) -> RawFile:
    """Every row of ``path`` as text (``None`` for empty cells); header rows included."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from None
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise InvalidData(f"{path}: the file is empty.", "Give a file with a header row and data.")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES or data[:4] == b"PK\x03\x04":
        cells, used_sheet = _read_excel(path, data, sheet)
        return RawFile(path, cells, None, None, used_sheet, len(data), digest)
    if suffix not in TEXT_SUFFIXES and suffix:
        raise InvalidData(
            f"{path}: colead reads CSV (.csv, .txt, .tsv) and Excel (.xlsx) files.",
            "Save the data in one of those formats.",
        )
    text, encoding = _decode(path, data)
    delimiter = guess_delimiter(text)
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InvalidData(
            f"{path}: not a readable {delimiter!r}-separated table: {exc}",
            "Check for unbalanced quotes or rows with more cells than the header.",
        ) from None
    return RawFile(path, _clean(cells), encoding, delimiter, None, len(data), digest)


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    # A byte-order mark names the encoding; bytes that contradict it are a damaged file.
    for mark, encoding in (
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
        (b"\xef\xbb\xbf", "utf-8-sig"),
    ):
        if data.startswith(mark):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                name = "UTF-16" if encoding == "utf-16" else "UTF-8"
                raise InvalidData(
                    f"{path}: the file says it is {name} but byte {exc.start} is not.",
                    "Save it again as 'CSV UTF-8' and import that.",
                ) from None
    if b"\x00" in data[:4096]:
        raise InvalidData(
            f"{path}: this is not a text file (it contains binary data).",
            "Export the data as CSV or XLSX and import that.",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1"), "latin-1"


def unreadable(path: Path, exc: OSError) -> InvalidData:
    """The error for a file that cannot be opened or read, saying why."""
    if isinstance(exc, FileNotFoundError):
        return InvalidData(f"File not found: {path}", "Check the path.")
    if isinstance(exc, IsADirectoryError):
        return InvalidData(f"{path} is a folder, not a file.", "Give the file itself.")
    return InvalidData(f"{path}: cannot be read: {exc.strerror or exc}", "Check the file.")


def guess_delimiter(text: str) -> str:
    """The delimiter of a CSV sample: comma, semicolon, tab or pipe (comma when unsure)."""
    sample = text[:50_000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_excel(path: Path, data: bytes, sheet: str | None) -> tuple[pd.DataFrame, str]:
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _damaged_workbook(path, type(exc).__name__) from None
    names = [str(n) for n in book.sheet_names]
    if not names:
        raise _damaged_workbook(path, "no sheets")
    chosen = sheet or names[0]
    if chosen not in names:
        raise InvalidData(
            f"{path}: no sheet named {chosen!r}.", f"Sheets in the file: {', '.join(names)}."
        )
    # Read the cells' own values, not dtype=str: that would turn a date cell into
    # "2024-03-31 00:00:00". Date cells become ISO text; every other cell gets exactly the
    # text dtype=str gives it (ids stored as text keep their zeros, 7.0 reads as "7").
    try:
        cells = pd.read_excel(
            book, sheet_name=chosen, header=None, dtype=object, keep_default_na=False
        )
    except Exception as exc:  # a sheet is parsed only now, and can be damaged too
        raise _damaged_workbook(path, f"sheet {chosen!r}: {type(exc).__name__}") from None
    return _clean(_dates_as_iso(cells).astype(str)), chosen


def _damaged_workbook(path: Path, why: str) -> InvalidData:
    return InvalidData(
        f"{path}: not a readable Excel workbook ({why}).",
        "Open it in Excel and save it again as .xlsx, or export it as CSV.",
    )


# Column kinds (pandas' inference) that cannot hold a date or datetime cell.
_DATELESS = {"string", "integer", "floating", "mixed-integer-float", "boolean", "empty"}


def _dates_as_iso(cells: pd.DataFrame) -> pd.DataFrame:
    """Date and datetime cells as ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM:SS`` when not midnight)."""
    for column in cells.columns:
        values = cells[column]
        if pd.api.types.infer_dtype(values, skipna=True) in _DATELESS:
            continue
        is_date = values.map(lambda v: isinstance(v, date))  # datetime is a date too
        if is_date.any():
            cells.loc[is_date, column] = values[is_date].map(_iso)
    return cells


def _iso(value: date) -> str:
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return value.isoformat()


def _clean(cells: pd.DataFrame) -> pd.DataFrame:
    # Vectorised on purpose: an element-wise map costs seconds on a million-row file.
    # Whitespace-only cells stay as text; every validator treats them as blank.
    cells = cells.astype(object)
    cells = cells.where(cells.notna() & cells.ne(""), None)
    # colead's exports guard text that a spreadsheet would run as a formula with a leading
    # apostrophe; reading such a file back removes exactly that guard. Only cells that
    # start with an apostrophe (rare) are looked at one by one.
    for column in cells.columns:
        values = cells[column]
        if values.isna().all():
            continue
        text = values.astype("string")
        marked = text.str.startswith(GUARD).fillna(False).astype(bool)
        if marked.any():
            cells.loc[marked, column] = [unguard(str(v)) for v in values[marked]]
    # Rows with nothing in them (trailing blank lines, spreadsheet padding) are not data.
    cells = cells[cells.notna().any(axis=1)]
    return cells.reset_index(drop=True)


def with_header(cells: pd.DataFrame, header_row: int = 0) -> pd.DataFrame:
    """Cells below ``header_row`` with that row as column names (blank names get numbers)."""
    if len(cells) <= header_row:
        return pd.DataFrame()
    names = [
        str(v).strip() if v is not None else f"column_{k + 1}"
        for k, v in enumerate(cells.iloc[header_row])
    ]
    body = cells.iloc[header_row + 1 :].reset_index(drop=True)
    body.columns = pd.Index(names)
    return body
