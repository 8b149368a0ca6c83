"""Read a user's table file into a DataFrame, with errors that name the file and the fix.

Column names are matched case- and space-insensitively: ``Scale ID`` reads as ``scale_id``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from colead.errors import InvalidData


def canonical_column(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def read_table(path: Path) -> pd.DataFrame:
    """A CSV file (UTF-8 with or without BOM; comma, semicolon, tab or pipe) as text cells."""
    if path.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        raise InvalidData(
            f"{path}: colead reads CSV files here.",
            "Save the sheet as CSV (UTF-8) and give that file.",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidData(f"File not found: {path}", "Check the path.") from None
    except UnicodeDecodeError:
        raise InvalidData(
            f"{path}: the file is not UTF-8 text.", "Save it as 'CSV UTF-8' and try again."
        ) from None
    except OSError as exc:
        raise InvalidData(
            f"{path}: cannot be read: {exc.strerror or exc}", "Check the file."
        ) from None
    if not text.strip():
        raise InvalidData(f"{path}: the file is empty.", "Give a file with a header row.")
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(
            path, sep=delimiter, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InvalidData(
            f"{path}: not a readable CSV table: {exc}",
            "Check for unbalanced quotes or rows with too many cells.",
        ) from None
    frame.columns = [canonical_column(c) for c in frame.columns]
    return frame.replace({"": None})
