"""Rejected rows: gathered per file row, and written beside the input to correct.

Rows that break a rule go to ``<file>.rejected.csv`` beside the input with the original
cells and an ``error`` column, ready to fix and import again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from colead.errors import InvalidData
from colead.ingest.long_responses import FoldedForms
from colead.ingest.problems import ImportReport, Severity, blank
from colead.ingest.reader import RawFile
from colead.ingest.spreadsheet import SafeCsvWriter
from colead.ingest.text_stream import TextFile

__all__ = ["Imported", "rejected_rows", "write_quarantine"]


@dataclass(frozen=True)
class Imported:
    """What one import did inside its transaction."""

    report: ImportReport
    wave: str | None
    #: file row number of the first data row
    first_row: int
    #: rejected file row numbers with their error messages
    rejected: dict[int, list[str]]


def rejected_rows(
    report: ImportReport, folded: FoldedForms | None = None, first_data_row: int = 2
) -> dict[int, list[str]]:
    """Every rejected file row with its messages. A stored-or-not verdict on a form read
    from a long file is given at the form's first row and applies to all of its rows."""
    errors: dict[int, list[str]] = {}
    for problem in report.problems:
        if problem.severity is not Severity.error or problem.row is None:
            continue
        column = f"{problem.column}: " if problem.column else ""
        errors.setdefault(problem.row, []).append(f"{column}{problem.message}")
    if folded is not None and errors:
        firsts = [row - first_data_row for row in errors if row >= first_data_row]
        for first_position, positions in folded.positions_of(firsts).items():
            messages = errors[first_position + first_data_row]
            for position in positions.tolist():
                errors.setdefault(position + first_data_row, messages)
    return {row: list(dict.fromkeys(messages)) for row, messages in sorted(errors.items())}


def write_quarantine(source: RawFile | TextFile, result: Imported) -> Path | None:
    """Write rejected rows beside the input, with the file's header rows, so the file can
    be corrected and imported again as it is; remove an outdated one after a clean import.

    Row numbers count records: the first header row is row 1 (blank lines are skipped).
    Cells are written safe for spreadsheets (:mod:`colead.ingest.spreadsheet`): a
    rejected row is often rejected for the odd text in it, and an admin opens this file
    in a spreadsheet to correct it. Importing the file again removes the guard.
    """
    target = source.path.with_name(f"{source.path.stem}.rejected.csv")
    if not result.rejected:
        if target.exists():
            target.unlink()
        return None
    wanted = np.array([*range(1, result.first_row), *result.rejected], dtype=np.int64)
    chunks = source.chunks() if isinstance(source, TextFile) else iter([(1, source.cells)])
    try:
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = SafeCsvWriter(handle)
            for start, cells in chunks:
                numbers = np.arange(start, start + len(cells))
                for index in np.flatnonzero(np.isin(numbers, wanted)).tolist():
                    row = int(numbers[index])
                    values = ["" if blank(v) else str(v) for v in cells.iloc[index].tolist()]
                    if row < result.first_row:
                        values.append("error" if row == 1 else "")
                    else:
                        values.append("; ".join(result.rejected[row]))
                    writer.writerow(values)
    except OSError as exc:
        raise InvalidData(
            f"Cannot write the rejected rows to {target}: {exc.strerror or exc}",
            "Import from a folder you can write to.",
        ) from None
    return target
