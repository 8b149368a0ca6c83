"""The import job: one file of one kind into a review, validated, in one transaction.

Valid rows are stored; rows that break a rule go to ``<file>.rejected.csv`` beside the
input with the original cells and an ``error`` column, ready to fix and import again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.errors import InvalidData, WaveNotFound
from colead.framework import Framework, load_framework
from colead.ingest import (
    ImportReport,
    RowNumbers,
    RowProblem,
    Severity,
    import_enrolments,
    import_kpis,
    import_nominations,
    import_people,
    import_responses,
)
from colead.ingest.columns import KINDS, REQUIRED, match_columns
from colead.ingest.mapping import Mapping, load_mapping
from colead.ingest.norms import import_norms
from colead.ingest.reader import RawFile, read_file, with_header
from colead.pipeline import init_database, open_database
from colead.store import transaction
from colead.store.reviews import (
    audit,
    get_or_create_review,
    load_framework_version,
    register_framework,
)
from colead.store.schema import Review, Wave
from colead.store.waves import create_wave, find_wave, get_wave

FORMATS = ("auto", "csv", "xlsx", "long", "wide", "qualtrics", "msforms", "googleforms")


@dataclass(frozen=True)
class ImportOutcome:
    kind: str
    path: Path
    review: str
    review_created: bool
    wave: str | None
    read: int
    imported: int
    updated: int
    unchanged: int
    rejected: int
    problems: tuple[RowProblem, ...]
    quarantine: Path | None
    dry_run: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        """0: every row imported; 1: some rows rejected."""
        return 1 if self.rejected else 0


class _DryRun(Exception):
    """Carries a dry run's report out of the transaction, which then rolls back."""

    def __init__(
        self,
        report: ImportReport,
        wave: str | None,
        created: bool,
        members: dict[int, list[int]],
        first_row: int,
    ) -> None:
        self.report, self.wave, self.created = report, wave, created
        self.members, self.first_row = members, first_row


def import_file(
    database_url: str,
    kind: str,
    path: Path,
    *,
    review: str,
    wave: str | None = None,
    file_format: str = "auto",
    mapping_path: Path | None = None,
    sheet: str | None = None,
    framework: Framework | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> ImportOutcome:
    """Read, validate and store one file; see the module docstring."""
    if kind not in KINDS:
        raise InvalidData(f"Unknown import kind {kind!r}.", f"Use one of {', '.join(KINDS)}.")
    if file_format not in FORMATS:
        raise InvalidData(f"Unknown format {file_format!r}.", f"Use one of {', '.join(FORMATS)}.")
    mapping = load_mapping(mapping_path)
    raw = read_file(path, sheet=sheet or mapping.sheet)
    init_database(database_url)
    engine = open_database(database_url)
    try:
        try:
            with transaction(engine) as session:
                target, created = get_or_create_review(session, review, actor=actor)
                report, wave_name, original_rows, first_row = _import(
                    session, kind, raw, target, wave, file_format, mapping, framework, actor
                )
                audit(
                    session,
                    actor,
                    "import_file",
                    kind,
                    review_id=target.id,
                    file=path.name,
                    sha256=raw.sha256,
                    size=raw.size,
                    imported=report.inserted,
                    rejected=len(report.rejected_rows),
                )
                if dry_run:
                    raise _DryRun(report, wave_name, created, original_rows, first_row)
        except _DryRun as rolled_back:
            report, wave_name, created = rolled_back.report, rolled_back.wave, rolled_back.created
            original_rows, first_row = rolled_back.members, rolled_back.first_row
    finally:
        engine.dispose()
    quarantine = _write_quarantine(raw, report, original_rows, first_row, dry_run)
    return ImportOutcome(
        kind=kind,
        path=path,
        review=review,
        review_created=created,
        wave=wave_name,
        read=report.rows,
        imported=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected_rows),
        problems=tuple(report.problems),
        quarantine=quarantine,
        dry_run=dry_run,
        notes=tuple(report.notes),
    )


def _import(
    session: Session,
    kind: str,
    raw: RawFile,
    review: Review,
    wave_name: str | None,
    file_format: str,
    mapping: Mapping,
    framework: Framework | None,
    actor: str,
) -> tuple[ImportReport, str | None, dict[int, list[int]], int]:
    """Dispatch on kind. Returns the report, the wave used, for responses which data rows
    (0-based) make up each form, and the file row number of the first data row."""
    source = str(raw.path)
    rows = RowNumbers(first_data_row=2)
    if kind == "responses":
        return _import_responses(
            session, raw, review, wave_name, file_format, mapping, framework, actor
        )
    frame = match_columns(with_header(raw.cells), mapping)
    _require(frame, kind, source)
    if kind == "people":
        return import_people(session, review, frame, source, rows=rows, actor=actor), None, {}, 2
    if kind == "nominations":
        wave = _wave(session, review, wave_name, framework, actor)
        if "rater_id" not in frame.columns and "rater_email" not in frame.columns:
            raise InvalidData(
                f"{source}: the nominations table names no rater.",
                "Give each rater's person id (rater_id) or e-mail (rater_email).",
            )
        report, _ = import_nominations(
            session, review.id, wave, frame, source, rows=rows, actor=actor
        )
        return report, wave.name, {}, 2
    if kind == "kpis":
        return import_kpis(session, review, frame, source, rows=rows, actor=actor), None, {}, 2
    if kind == "enrolments":
        report = import_enrolments(session, review, frame, source, rows=rows, actor=actor)
        return report, None, {}, 2
    norms_framework = framework or load_framework()
    report = import_norms(
        session,
        frame,
        source,
        name=raw.path.stem,
        framework=norms_framework,
        rows=rows,
        actor=actor,
    )
    return report, None, {}, 2


def _require(frame: pd.DataFrame, kind: str, source: str) -> None:
    missing = [c for c in REQUIRED[kind] if c not in frame.columns]
    if missing:
        raise InvalidData(
            f"{source}: this does not look like a {kind} file: no column "
            f"{', '.join(repr(m) for m in missing)}.",
            f"A {kind} file needs {', '.join(REQUIRED[kind])}. Columns found: "
            f"{', '.join(map(str, frame.columns))}. Rename them or map them in --mapping.",
        )


def _wave(
    session: Session,
    review: Review,
    name: str | None,
    framework: Framework | None,
    actor: str,
) -> Wave:
    """The named wave (created when missing), or the review's latest, or a new baseline."""
    if name is not None:
        existing = find_wave(session, review.id, name)
        if existing is not None:
            return existing
    else:
        try:
            return get_wave(session, review)
        except WaveNotFound:  # no wave yet: the first import starts the baseline
            name = "baseline"
    version = register_framework(session, framework or load_framework())
    wave = create_wave(session, review.id, name, version.id, WaveStatus.open)
    audit(session, actor, "create", "wave", wave.id, review_id=review.id, name=name)
    return wave


def _import_responses(
    session: Session,
    raw: RawFile,
    review: Review,
    wave_name: str | None,
    file_format: str,
    mapping: Mapping,
    framework: Framework | None,
    actor: str,
) -> tuple[ImportReport, str | None, dict[int, list[int]], int]:
    from colead.ingest.response_tables import long_to_wide, wide_to_codes
    from colead.ingest.survey_tools import read_survey_export

    source = str(raw.path)
    wave = _wave(session, review, wave_name, framework, actor)
    wave_framework = load_framework_version(session, wave.framework_version_id)
    table = read_survey_export(raw.cells, wave_framework, format=file_format, mapping=mapping)
    first = table.first_data_row
    rows = RowNumbers(first_data_row=first)
    wide = table.wide
    read = len(wide)
    problems: list[RowProblem] = []
    members: dict[int, list[int]] = {}
    if table.format == "long":
        wide, long_problems, members = long_to_wide(
            wide, source=source, rows=rows, framework=wave_framework
        )
        problems.extend(long_problems)
    _require(wide, "responses", source)
    meta, codes, value_problems, kept = wide_to_codes(
        wide, wave_framework, source=source, rows=rows, mapping=mapping
    )
    problems.extend(value_problems)
    # Row numbers of wide rows built from long files point at their first original row.
    report = import_responses(
        session,
        review.id,
        wave,
        wave_framework,
        meta.reset_index(drop=True),
        np.asarray(codes, dtype=np.int8),
        source,
        rows=_KeptRows(kept, members, first),
        actor=actor,
    )
    report.rows = read
    report.problems[:0] = problems
    report.notes.extend(table.notes)
    report.notes.extend(
        f"column '{m.column}' was matched to item {m.item_id} by similar wording "
        f"(score {m.score:.2f}); pin it in a mapping file's 'items:' if that is right"
        for m in table.matches
        if m.method == "fuzzy"
    )
    return report, wave.name, members, first


class _KeptRows(RowNumbers):
    """File row numbers for the accepted forms after some were dropped."""

    def __init__(self, kept: list[int], members: dict[int, list[int]], first: int) -> None:
        super().__init__(first)
        self.kept, self.members = kept, members

    def __call__(self, position: int) -> int:
        # Wide files: a form is one file row. Long files: the form's first original row.
        original = self.members.get(self.kept[position])
        return (original[0] if original else self.kept[position]) + self.first


def _write_quarantine(
    raw: RawFile,
    report: ImportReport,
    members: dict[int, list[int]],
    first_data_row: int,
    dry_run: bool,
) -> Path | None:
    """Write rejected rows beside the input, with the file's header rows, so the file can
    be corrected and imported again as it is; remove an outdated one after a clean import.

    Row numbers count records: the first header row is row 1 (blank lines are skipped).
    """
    target = raw.path.with_name(f"{raw.path.stem}.rejected.csv")
    # A form built from several long-layout rows is rejected as all of those rows.
    expand = {
        rows[0] + first_data_row: [r + first_data_row for r in rows]
        for rows in members.values()
        if rows
    }
    errors: dict[int, list[str]] = {}
    for problem in report.problems:
        if problem.severity is not Severity.error or problem.row is None:
            continue
        column = f"{problem.column}: " if problem.column else ""
        for row in expand.get(problem.row, [problem.row]):
            errors.setdefault(row, []).append(f"{column}{problem.message}")
    if not errors:
        if target.exists() and not dry_run:
            target.unlink()
        return None
    if dry_run:
        return None
    width = raw.cells.shape[1]
    header_rows = [list(raw.cells.iloc[k]) for k in range(first_data_row - 1)]
    lines = [[*cells, "error" if k == 0 else None] for k, cells in enumerate(header_rows)]
    for row_number in sorted(errors):
        index = row_number - 1
        cells = list(raw.cells.iloc[index]) if 0 <= index < len(raw.cells) else [None] * width
        lines.append([*cells, "; ".join(dict.fromkeys(errors[row_number]))])
    try:
        pd.DataFrame(lines).to_csv(target, index=False, header=False, encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidData(
            f"Cannot write the rejected rows to {target}: {exc.strerror or exc}",
            "Import from a folder you can write to.",
        ) from None
    return target
