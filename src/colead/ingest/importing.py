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
from colead.fieldwork.release import release_answers
from colead.framework import Framework, load_framework
from colead.ingest import (
    RowNumbers,
    RowProblem,
    import_enrolments,
    import_kpis,
    import_nominations,
    import_people,
    import_responses,
)
from colead.ingest.columns import KINDS, REQUIRED, match_columns, unread_columns
from colead.ingest.completion import UNFINISHED_CHOICES
from colead.ingest.long_responses import FoldedForms, LongFolder
from colead.ingest.mapping import Mapping, load_mapping
from colead.ingest.norms import import_norms
from colead.ingest.quarantine import Imported, rejected_rows, write_quarantine
from colead.ingest.reader import RawFile, read_file, with_header
from colead.ingest.response_tables import wide_to_codes
from colead.ingest.responses import require_people_columns
from colead.ingest.survey_tools import FORMATS as LAYOUTS
from colead.ingest.survey_tools import SurveyTable, detect_format, read_survey_export
from colead.ingest.text_stream import TextFile, is_text_file, scan_text
from colead.store import init_database, open_database, transaction
from colead.store.reviews import (
    audit,
    get_or_create_review,
    load_framework_version,
    register_framework,
)
from colead.store.schema import Review, Wave
from colead.store.waves import create_wave, find_wave, get_wave

#: ``--format`` values: the file type alone (the layout then detected), or a layout
FORMATS = ("auto", "csv", "xlsx", *LAYOUTS)


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
    #: forms stored as in progress (unfinished in the survey tool)
    in_progress: int = 0

    @property
    def exit_code(self) -> int:
        """0: every row imported; 1: some rows rejected."""
        return 1 if self.rejected else 0


class _DryRun(Exception):
    """Carries a dry run's result out of the transaction, which then rolls back."""

    def __init__(self, result: Imported, created: bool) -> None:
        self.result, self.created = result, created


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
    minimum: int | None = None,
    unfinished: str = "keep",
) -> ImportOutcome:
    """Read, validate and store one file; see the module docstring.

    Responses imported into a closed wave are released (published) as at a close, with the
    anonymity ``minimum``; without it, forms about people with published results wait.
    ``unfinished`` says what happens to a response its survey tool marks unfinished:
    ``"keep"`` stores it as in progress, ``"reject"`` rejects it with the reason.
    """
    if kind not in KINDS:
        raise InvalidData(f"Unknown import kind {kind!r}.", f"Use one of {', '.join(KINDS)}.")
    if file_format not in FORMATS:
        raise InvalidData(f"Unknown format {file_format!r}.", f"Use one of {', '.join(FORMATS)}.")
    if unfinished not in UNFINISHED_CHOICES:
        raise InvalidData(
            f"Unknown choice for unfinished responses {unfinished!r}.",
            f"Use one of {', '.join(UNFINISHED_CHOICES)}.",
        )
    mapping = load_mapping(mapping_path)
    source = _open(path, kind, file_format, sheet or mapping.sheet)
    layout = "auto" if file_format in ("csv", "xlsx") else file_format
    init_database(database_url)
    engine = open_database(database_url)
    try:
        try:
            with transaction(engine) as session:
                target, created = get_or_create_review(session, review, actor=actor)
                result = _import(
                    session,
                    kind,
                    source,
                    target,
                    _Options(wave, layout, mapping, framework, actor, minimum, unfinished),
                )
                audit(
                    session,
                    actor,
                    "import_file",
                    kind,
                    review_id=target.id,
                    file=path.name,
                    sha256=source.sha256,
                    size=source.size,
                    imported=result.report.inserted,
                    updated=result.report.updated,
                    unchanged=result.report.unchanged,
                    rejected=len(result.rejected),
                    dry_run=dry_run,
                )
                if dry_run:
                    raise _DryRun(result, created)
        except _DryRun as rolled_back:
            result, created = rolled_back.result, rolled_back.created
    finally:
        engine.dispose()
    report = result.report
    quarantine = None if dry_run else write_quarantine(source, result)
    return ImportOutcome(
        kind=kind,
        path=path,
        review=review,
        review_created=created,
        wave=result.wave,
        read=report.rows,
        imported=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(result.rejected),
        problems=tuple(report.problems),
        quarantine=quarantine,
        dry_run=dry_run,
        notes=tuple(report.notes),
        in_progress=report.in_progress,
    )


def _open(path: Path, kind: str, file_format: str, sheet: str | None) -> RawFile | TextFile:
    """The file, read whole, or for long response tables in CSV, scanned to stream."""
    text = is_text_file(path)
    if (file_format == "csv" and not text) or (file_format == "xlsx" and text):
        raise InvalidData(
            f"{path}: --format {file_format} was given, but this is "
            f"{'a text' if text else 'an Excel'} file.",
            "Leave --format out (auto) or give the file it names.",
        )
    if kind == "responses" and text and file_format in ("auto", "csv", "long"):
        scanned = scan_text(path)
        if file_format == "long" or detect_format(scanned.head(3)) == "long":
            return scanned
    return read_file(path, sheet=sheet)


@dataclass(frozen=True)
class _Options:
    """How one file is read and stored (see :func:`import_file`)."""

    wave: str | None
    layout: str
    mapping: Mapping
    framework: Framework | None
    actor: str
    minimum: int | None
    unfinished: str


def _import(
    session: Session,
    kind: str,
    source: RawFile | TextFile,
    review: Review,
    options: _Options,
) -> Imported:
    """Dispatch on kind and gather the rejected rows."""
    if kind == "responses":
        return _import_responses(session, source, review, options)
    assert isinstance(source, RawFile)  # only long response tables are streamed
    name = str(source.path)
    rows = RowNumbers(first_data_row=2)
    frame = match_columns(with_header(source.cells), options.mapping)
    actor, mapping = options.actor, options.mapping
    wave_used = None
    if kind == "nominations":
        wave = _wave(session, review, options.wave, options.framework, actor)
        report, _ = import_nominations(
            session, review.id, wave, frame, name, rows=rows, actor=actor, mapping=mapping
        )
        wave_used = wave.name
    else:
        _require(frame, kind, name)
    if kind == "people":
        report = import_people(
            session, review, frame, name, rows=rows, actor=actor, mapping=mapping
        )
    elif kind == "kpis":
        report = import_kpis(session, review, frame, name, rows=rows, actor=actor)
    elif kind == "enrolments":
        report = import_enrolments(session, review, frame, name, rows=rows, actor=actor)
    elif kind == "norms":
        report = import_norms(
            session,
            frame,
            name,
            name=source.path.stem,
            framework=options.framework or load_framework(),
            rows=rows,
            actor=actor,
        )
    report.notes.extend(unread_columns(frame, kind))
    return Imported(report, wave_used, 2, rejected_rows(report))


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
    session: Session, source: RawFile | TextFile, review: Review, options: _Options
) -> Imported:
    name, mapping, layout = str(source.path), options.mapping, options.layout
    wave = _wave(session, review, options.wave, options.framework, options.actor)
    wave_framework = load_framework_version(session, wave.framework_version_id)
    if isinstance(source, TextFile):
        folded = _fold_streamed(source, wave_framework, mapping)
        table = None
    else:
        table = read_survey_export(source.cells, wave_framework, format=layout, mapping=mapping)
        folded = None
        if table.format == "long":
            folder = LongFolder(
                wave_framework, source=name, rows=RowNumbers(table.first_data_row), mapping=mapping
            )
            folder.add(table.wide)
            folded = folder.finish()
    first = table.first_data_row if table is not None else 2
    if folded is not None:
        meta, codes, problems = folded.meta, folded.codes, folded.problems
        read = folded.rows_read
        rows: RowNumbers = _FormRows(folded, first)
    else:
        assert table is not None
        meta, codes, problems, kept = _wide_forms(table, wave_framework, name, mapping)
        read = len(table.wide)
        rows = _KeptRows(kept, first)
    report = import_responses(
        session,
        review.id,
        wave,
        wave_framework,
        meta.reset_index(drop=True),
        np.asarray(codes, dtype=np.int8),
        name,
        rows=rows,
        actor=options.actor,
        mapping=mapping,
        unfinished=options.unfinished,
    )
    report.rows = read
    report.problems[:0] = problems
    if wave.status == WaveStatus.closed.value:
        # a closed wave's results are published: new forms join them as at a close
        minimum = options.minimum
        waiting = release_answers(session, wave, minimum).describe(minimum)
        if waiting:
            report.notes.append(waiting)
    if folded is not None:
        report.notes.append(
            "'read' and 'rejected' count rows of the file (one answer each); 'imported', "
            "'updated' and 'unchanged' count forms (one rater's answers about one ratee)"
        )
    if table is not None:
        report.notes.extend(table.notes)
        report.notes.extend(
            f"column '{m.column}' was matched to item {m.item_id} by similar wording "
            f"(score {m.score:.2f}); pin it in a mapping file's 'items:' if that is right"
            for m in table.matches
            if m.method == "fuzzy"
        )
    return Imported(report, wave.name, first, rejected_rows(report, folded, first))


def _wide_forms(
    table: SurveyTable, framework: Framework, name: str, mapping: Mapping
) -> tuple[pd.DataFrame, np.ndarray, list[RowProblem], list[int]]:
    """A wide table's forms as codes, less the rows whose answers contradict each other."""
    require_people_columns(table.wide, name, "responses")
    if not any(m.item_id for m in table.matches) and not (
        set(framework.item_ids) & set(map(str, table.wide.columns))
    ):
        raise InvalidData(
            f"{name}: no column of the file matched a question of framework "
            f"{framework.label}, so no form would hold an answer; nothing was imported.",
            "Run the import with --explain to see how each column is read, then map the "
            "question columns in the mapping file's 'items:' section (docs/importing.md).",
        )
    first = table.first_data_row
    meta, codes, problems, kept = wide_to_codes(
        table.wide, framework, source=name, rows=RowNumbers(first), mapping=mapping
    )
    conflicted: dict[int, list[str]] = {}
    for position, target, message in table.conflicts:
        conflicted.setdefault(position, []).append(target)
        problems.append(
            RowProblem(
                name,
                position + first,
                target,
                None,
                f"{message}; the form was not stored",
                "Keep one answer per question (clear the other block's cell) and import again.",
            )
        )
    if conflicted:
        keep = np.array([position not in conflicted for position in kept], dtype=bool)
        meta = meta.loc[keep].reset_index(drop=True)
        codes = codes[keep]
        kept = [position for position, k in zip(kept, keep, strict=True) if k]
        problems.sort(key=lambda p: p.row or 0)
    return meta, codes, problems, kept


def _fold_streamed(source: TextFile, framework: Framework, mapping: Mapping) -> FoldedForms:
    """Fold a long CSV chunk by chunk; its one header row names the columns."""
    folder = LongFolder(framework, source=str(source.path), rows=RowNumbers(2), mapping=mapping)
    names: list[str] | None = None
    for _, chunk in source.chunks():
        if names is None:
            header = [v if isinstance(v, str) and v.strip() else None for v in chunk.iloc[0]]
            names = [
                h.strip().lstrip("\ufeff") if h else f"column_{k + 1}" for k, h in enumerate(header)
            ]
            names = list(match_columns(pd.DataFrame(columns=names), mapping).columns)
            chunk = chunk.iloc[1:]
        if len(chunk.columns) != len(names):
            raise InvalidData(
                f"{source.path}: rows have {len(chunk.columns)} cells but the header has "
                f"{len(names)}.",
                "Give every row as many cells as the header.",
            )
        chunk.columns = pd.Index(names)
        folder.add(chunk)
    return folder.finish()


class _KeptRows(RowNumbers):
    """File row numbers of a wide file's accepted forms after some were dropped."""

    def __init__(self, kept: list[int], first: int) -> None:
        super().__init__(first)
        self.kept = kept

    def __call__(self, position: int) -> int:
        return self.kept[position] + self.first


class _FormRows(RowNumbers):
    """File row numbers of a long file's accepted forms: the form's first row."""

    def __init__(self, folded: FoldedForms, first: int) -> None:
        super().__init__(first)
        self.folded = folded

    def __call__(self, position: int) -> int:
        return self.folded.first_position(position) + self.first
