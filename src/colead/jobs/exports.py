"""Export jobs: people, scores or raw responses of one review to CSV, XLSX or Parquet.

Raw responses leave the system without rater ids and only in groups large enough to hide
each rater (DESIGN §6), unless the caller asks for an identifiable export, which is
recorded in the audit log.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from colead.analysis.anonymous_rows import AnonymousRows, anonymous_rows
from colead.config import ANONYMITY_FLOOR
from colead.errors import ConfigurationError, OutputError
from colead.fieldwork.release import published_wave
from colead.ingest.spreadsheet import write_csv, write_xlsx
from colead.jobs.analyse import analyse_review
from colead.jobs.output import unwritable_folder
from colead.store import open_database, transaction
from colead.store.exports import people_table, responses_wide, wave_data
from colead.store.reviews import audit, get_review

KINDS = ("responses", "scores", "people")
FORMATS = (".csv", ".xlsx", ".parquet")
#: Columns of whole numbers (levels, counts) of each kind, integers in every format. Item
#: answers are whole numbers too, but share their columns with "NA": see
#: ``_whole_number_cells`` and ``_uniform_columns``.
WHOLE_NUMBERS: dict[str, tuple[str, ...]] = {"people": ("level",), "scores": ("n_raters",)}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    ``identifiable`` is True only for a responses file that names the raters.
    ``notes`` are sentences for the user (withheld forms, ignored options).
    """

    kind: str
    path: Path
    rows: int
    columns: int
    identifiable: bool
    notes: tuple[str, ...]


def export_table(
    database_url: str,
    kind: str,
    path: Path,
    *,
    review: str,
    wave: str | None = None,
    identifiable: bool = False,
    minimum: int = ANONYMITY_FLOOR,
    actor: str = "export",
) -> ExportResult:
    """Write one table of a stored review to ``path``; the extension picks the format.

    Parameters
    ----------
    kind
        ``people`` (the canonical people table), ``scores`` (person × scale × rater group
        scores after anonymity folding, with the wave) or ``responses`` (completed forms
        of the wave in the canonical wide layout).
    path
        ``.csv`` (UTF-8 with a byte-order mark, so Excel reads accents right), ``.xlsx``
        or ``.parquet``. The file is written to a temporary file beside it and moved into
        place, so a failed export never leaves half a file.
    wave
        Wave name; the latest wave when None. Not used for ``people``.
    identifiable
        Responses only: keep every form and the ``rater_id`` column, and record the
        export in the audit log. Without it, rater ids are dropped and only forms whose
        rater group reaches ``minimum`` (after folding small groups into "others") are
        kept, besides self ratings.
    minimum
        Anonymity minimum, never below 3.

    CSV and XLSX files are written by :mod:`colead.ingest.spreadsheet`: control
    characters are removed from text, text a spreadsheet would run as a formula is
    prefixed with an apostrophe, and XLSX text is stored as text cells. Parquet is typed
    data read by programs, not spreadsheets, and is written unchanged. Whole numbers
    (answers, levels, counts) are written as whole numbers (``3``, never ``3.0``) in every
    format, blank or not; a not-observed answer is ``NA``; scores stay decimals.
    """
    if kind not in KINDS:
        raise ConfigurationError(
            f"Unknown export kind {kind!r}.", f"Choose one of: {', '.join(KINDS)}."
        )
    if minimum < ANONYMITY_FLOOR:
        raise ConfigurationError(
            f"Anonymity minimum {minimum} is below {ANONYMITY_FLOOR}.",
            f"Use {ANONYMITY_FLOOR} or more; smaller groups would expose raters.",
        )
    suffix = output_format(path)
    _check_target(path)
    notes: list[str] = []
    if identifiable and kind != "responses":
        notes.append(f"--identifiable applies to responses only; the {kind} file is as usual.")
    if wave is not None and kind == "people":
        notes.append("People belong to the review, not a wave: --wave was not used.")

    engine = open_database(database_url)
    try:
        if kind == "scores":
            results = analyse_review(engine, review, wave, minimum)
            frame = results.person_scores.table.reset_index(drop=True)
            frame.insert(0, "wave", results.wave)
            _write(frame, path, suffix, kind)
            return _result(kind, path, frame, False, notes)
        with transaction(engine) as session:
            stored = get_review(session, review)
            if kind == "people":
                frame = people_table(session, stored)
                _write(frame, path, suffix, kind)
                return _result(kind, path, frame, False, notes)
            if identifiable:
                found = published_wave(session, stored, wave)
                frame = responses_wide(session, stored, found)
                # audit first: a failed write raises and rolls the entry back with it
                audit(
                    session,
                    actor,
                    "export_identifiable",
                    "responses",
                    found.id,
                    review_id=stored.id,
                    path=str(path.absolute()),
                    rows=len(frame),
                )
                _write(frame, path, suffix, kind)
                notes.append(
                    "This file names the raters: keep it confidential. The export is recorded "
                    "in the audit log."
                )
                return _result(kind, path, frame, True, notes)
            rows = anonymous_responses(session, review, wave, minimum)
            frame = rows.table
            notes.append(
                f"{rows.withheld_forms} form(s) withheld: their rater group had fewer than "
                f"{minimum} raters even after folding small groups into 'others', or they "
                "are a lone line manager's."
                if rows.withheld_forms
                else f"No form withheld: every rater group has at least {minimum} raters."
            )
            if rows.blanked_answers:
                notes.append(
                    f"{rows.blanked_answers} answer(s) blanked: scales that fewer than "
                    f"{minimum} raters of a group scored, and site ratings of sites with "
                    f"fewer than {minimum} respondents."
                )
            notes.append("Rater ids are left out; self ratings are kept.")
            _write(frame, path, suffix, kind)
            return _result(kind, path, frame, False, notes)
    finally:
        engine.dispose()


def _result(
    kind: str, path: Path, frame: pd.DataFrame, identifiable: bool, notes: list[str]
) -> ExportResult:
    return ExportResult(
        kind=kind,
        path=path,
        rows=len(frame),
        columns=len(frame.columns),
        identifiable=identifiable,
        notes=tuple(notes),
    )


def output_format(path: Path) -> str:
    """The file format of ``path`` by its extension, or an ``OutputError``."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"Cannot export to {path}: unknown file type {path.suffix or '(none)'!r}.",
            f"Name the file with one of: {', '.join(FORMATS)}.",
        )
    return suffix


# --- anonymity -----------------------------------------------------------------------


def anonymous_responses(
    session: Session, review: str, wave: str | None, minimum: int
) -> AnonymousRows:
    """The completed forms of a wave as rows that identify no rater
    (:func:`colead.analysis.anonymous_rows.anonymous_rows`); the latest closed wave when
    ``wave`` is None. Open waves publish no rows (``ResultsNotPublished``)."""
    if minimum < ANONYMITY_FLOOR:
        raise ConfigurationError(
            f"Anonymity minimum {minimum} is below {ANONYMITY_FLOOR}.",
            f"Use {ANONYMITY_FLOOR} or more; smaller groups would expose raters.",
        )
    stored = get_review(session, review)
    found = published_wave(session, stored, wave)
    data = wave_data(session, stored, found)
    return anonymous_rows(responses_wide(session, stored, found, data), data, minimum)


# --- writing -------------------------------------------------------------------------


def _check_target(path: Path) -> None:
    """Fail before any real work when ``path`` cannot be written."""
    if path.is_dir():
        raise OutputError(f"Cannot export to {path}: it is a folder.", "Give a file name.")
    existing = unwritable_folder(path.absolute().parent)
    if existing is not None:
        raise OutputError(
            f"Cannot export to {path}: {existing} is not a writable folder.",
            "Choose a file in a folder you can write to.",
        )


def _write(frame: pd.DataFrame, path: Path, suffix: str, kind: str) -> None:
    writers: dict[str, Callable[[pd.DataFrame, Path], None]] = {
        ".csv": lambda f, p: write_csv(_whole_number_cells(f), p),
        ".xlsx": lambda f, p: write_xlsx(_whole_number_cells(f), p, kind),
        ".parquet": _write_parquet,
    }
    frame = _whole_number_columns(frame, WHOLE_NUMBERS.get(kind, ()))
    folder = path.absolute().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{path.name}.", suffix=f".tmp{suffix}"
        )
    except OSError as exc:
        raise OutputError(
            f"Cannot export to {path}: {exc.strerror or exc}",
            "Choose a file in a folder you can write to.",
        ) from None
    os.close(handle)
    try:
        writers[suffix](frame, Path(temporary))
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror or exc}",
            "Check the folder is writable and the file is not open in another program.",
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.pipe(_uniform_columns).to_parquet(path, index=False, engine="pyarrow")


def _uniform_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns become text columns, so every file of a kind has one schema.

    Item answers mix scale points and "NA", so they are text ("1" … "5", "NA", null for
    blank) in every Parquet file, not only in waves that happen to hold an "NA".
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = pd.Series(
                [None if _missing(v) else str(v) for v in out[column]],
                index=out.index,
                dtype="string",
            )
    return out


def _whole_number_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``columns`` as integers in every format, nullable (``Int64``) where they are not
    integers already, so that a blank or an empty table never turns them into floats."""
    wrong = [c for c in columns if c in frame and not pd.api.types.is_integer_dtype(frame[c])]
    if not wrong:
        return frame
    return frame.astype(dict.fromkeys(wrong, "Int64"))


def _whole_number_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns of whole numbers and blanks as nullable integers (``Int64``), for
    CSV and XLSX.

    Item answers are objects: scale points as ``int``, ``"NA"`` and ``None``. pandas reads
    a column of numbers and ``None`` as floats as soon as it is mapped over, so a CSV would
    say ``3.0`` wherever a column has a blank but no "NA"; as ``Int64`` it says ``3`` and
    leaves blanks empty. Columns with "NA" stay as they are: text and whole numbers.
    """
    out = frame.copy()
    for column in out.columns:
        cells = out[column]
        if cells.dtype != object:
            continue
        present = [v for v in cells if not _missing(v)]
        if present and all(_whole(v) for v in present):
            out[column] = pd.array([None if _missing(v) else int(v) for v in cells], dtype="Int64")
    return out


def _whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)
