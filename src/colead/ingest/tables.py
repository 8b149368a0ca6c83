"""Read a user's table file into a DataFrame with canonical column names.

Column names are matched case- and space-insensitively: ``Scale ID`` reads as ``scale_id``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from colead.errors import InvalidData
from colead.ingest.reader import read_file, with_header


def canonical_column(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def read_table(path: Path, *, sheet: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX file with a header row, cells as text (``None`` when empty)."""
    frame = with_header(read_file(path, sheet=sheet).cells)
    if frame.empty and not len(frame.columns):
        raise InvalidData(f"{path}: the file has no rows.", "Give a header row and data rows.")
    frame.columns = pd.Index([canonical_column(c) for c in frame.columns])
    return frame
