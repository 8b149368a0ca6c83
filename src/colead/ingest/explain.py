"""How an import would read a file, column by column, and a draft mapping to edit.

``colead import KIND FILE --explain`` reads the file as the import would, stores nothing,
and shows for every column what it becomes: a canonical column (by its name, a synonym or
the mapping), a framework item (by id, wording, a close wording or the mapping), a survey
tool's own column, or nothing. It lists the relation, level and answer labels found that
colead cannot read, and writes a draft mapping file holding all of that, so a user edits
one file instead of learning the format from scratch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colead.framework.model import Framework
from colead.ingest.columns import CANONICAL_COLUMNS, OPTIONAL, REQUIRED, match_columns, squash
from colead.ingest.labels import LabelReader
from colead.ingest.long_responses import LONG_COLUMNS
from colead.ingest.mapping import Mapping
from colead.ingest.problems import text
from colead.ingest.reader import read_file, with_header
from colead.ingest.response_tables import INVALID_ANSWER, AnswerReader
from colead.ingest.survey_layouts import NAME_PARTS, RESPONDENT_COLUMNS
from colead.ingest.survey_tools import SurveyTable, detect_format, read_survey_export

__all__ = ["ColumnReading", "Explanation", "explain_file"]

#: distinct labels listed per kind of label (the file may hold thousands of free texts)
MAX_LABELS = 30


@dataclass(frozen=True)
class ColumnReading:
    """One column of the file: its header, what it is read as, and how that was decided."""

    column: str
    read_as: str | None
    how: str


@dataclass(frozen=True)
class Explanation:
    """How a file would be read; ``draft`` is a mapping file's text."""

    path: Path
    kind: str
    layout: str
    rows: int
    columns: tuple[ColumnReading, ...]
    #: labels found that colead cannot read yet: section -> labels
    unknown_labels: dict[str, tuple[str, ...]]
    notes: tuple[str, ...]
    draft: str


def explain_file(
    path: Path,
    kind: str,
    framework: Framework,
    *,
    mapping: Mapping | None = None,
    layout: str = "auto",
    sheet: str | None = None,
) -> Explanation:
    """Read ``path`` as ``colead import KIND`` would, without storing anything."""
    mapping = mapping or Mapping()
    source = read_file(path, sheet=sheet or mapping.sheet)
    labels = LabelReader(mapping.relations, mapping.levels)
    unknown: dict[str, tuple[str, ...]] = {}
    long_layout = layout == "long" or (
        layout == "auto" and detect_format(source.cells.head(3)) == "long"
    )
    if kind == "responses" and not long_layout:
        table = read_survey_export(source.cells, framework, format=layout, mapping=mapping)
        readings = _survey_readings(table)
        frame, used_layout, notes = table.wide, table.format, table.notes
        first = table.first_data_row
        unknown["values"] = _unknown_answers(frame, framework, mapping)
    else:
        header = with_header(source.cells)
        frame = match_columns(header, mapping)
        known = {*REQUIRED[kind], *OPTIONAL.get(kind, ())}
        if kind == "responses":  # the long layout: one row per answer
            known = {*LONG_COLUMNS, "wave", "comment_strengths", "comment_suggestions"}
        explicit = {squash(k) for k in mapping.columns}
        readings = tuple(
            _plain_reading(str(original), str(target), known, explicit)
            for original, target in zip(header.columns, frame.columns, strict=True)
        )
        used_layout, notes, first = ("long" if kind == "responses" else "table"), (), 2
    if "relation" in frame.columns:
        unknown["relations"] = _unknown(frame["relation"], lambda v: labels.relation(v) is None)
    if kind == "people" and "level" in frame.columns:
        unknown["levels"] = _unknown(frame["level"], lambda v: labels.level(v) is None)
    unknown = {section: found for section, found in unknown.items() if found}
    explanation = Explanation(
        path=path,
        kind=kind,
        layout=used_layout,
        rows=max(len(source.cells) - first + 1, 0),
        columns=readings,
        unknown_labels=unknown,
        notes=tuple(notes),
        draft="",
    )
    return _with_draft(explanation, mapping, labels, frame)


def _survey_readings(table: SurveyTable) -> tuple[ColumnReading, ...]:
    """The reader's record per column, naming the canonical column a tool column is copied
    to (the respondent's e-mail, the completion state) where the table holds it."""
    copied: dict[str, list[str]] = {}
    for canonical, sources in RESPONDENT_COLUMNS.get(table.format, ()):
        for source in sources:
            copied.setdefault(squash(source), []).append(canonical)
    for source in NAME_PARTS.get(table.format, ()):
        copied.setdefault(squash(source), []).append("rater_name")
    readings = []
    for column, target, how in table.readings:
        targets = [t for t in copied.get(squash(column), []) if t in table.wide.columns]
        said = how
        if how == "survey tool column" and targets:
            said = f"survey tool column, read as {' and '.join(dict.fromkeys(targets))}"
        readings.append(ColumnReading(column, target, said))
    return tuple(readings)


def _plain_reading(
    original: str, target: str, known: set[str], explicit: set[str]
) -> ColumnReading:
    if squash(original) in explicit:
        return ColumnReading(original, target, "mapping 'columns:'")
    if target in known:
        how = "canonical name" if squash(original) == squash(target) else "known synonym"
        return ColumnReading(original, target, how)
    if target in CANONICAL_COLUMNS:
        return ColumnReading(original, None, f"not read ('{target}' is not used by this kind)")
    return ColumnReading(original, None, "not read")


def _unknown(values: pd.Series, is_unknown: Callable[[str], bool]) -> tuple[str, ...]:
    found: list[str] = []
    for value in pd.unique(values.dropna()):
        label = text(value)
        if label is not None and is_unknown(label):
            found.append(label)
        if len(found) >= MAX_LABELS:
            break
    return tuple(found)


def _unknown_answers(
    frame: pd.DataFrame, framework: Framework, mapping: Mapping
) -> tuple[str, ...]:
    reader = AnswerReader(framework, mapping)
    found: dict[str, None] = {}
    for item in framework.item_ids:
        if item not in frame.columns:
            continue
        for value in pd.unique(frame[item].dropna()):
            if reader(value) == INVALID_ANSWER:
                found.setdefault(str(value).strip(), None)
        if len(found) >= MAX_LABELS:
            break
    return tuple(list(found)[:MAX_LABELS])


def _quoted(value: str) -> str:
    """A YAML scalar for any text (JSON strings are valid YAML double-quoted scalars)."""
    return json.dumps(value, ensure_ascii=False)


def _with_draft(
    explanation: Explanation, mapping: Mapping, labels: LabelReader, frame: pd.DataFrame
) -> Explanation:
    lines = [
        f"# Mapping drafted from {explanation.path.name} ({explanation.kind}, "
        f"layout {explanation.layout}).",
        "# Edit it, then import with --mapping THIS_FILE. Lines starting with # are not read;",
        "# remove the # of a line to use it. docs/importing.md describes every section.",
    ]
    if mapping.sheet:
        lines.append(f"sheet: {_quoted(mapping.sheet)}")
    items = [c for c in explanation.columns if c.how.startswith("item")]
    others = [c for c in explanation.columns if not c.how.startswith("item")]
    lines.append("columns:")
    for reading in others:
        if reading.read_as is not None and not reading.how.startswith("survey tool column"):
            lines.append(f"  {_quoted(reading.column)}: {reading.read_as}  # {reading.how}")
        else:
            lines.append(f"  # {_quoted(reading.column)}: ?  # {reading.how}")
    if explanation.kind == "responses":
        lines.append("items:")
        for reading in items:
            lines.append(f"  {_quoted(reading.column)}: {reading.read_as}  # {reading.how}")
        for reading in others:
            if reading.read_as is None:
                lines.append(f"  # {_quoted(reading.column)}: ?  # a question? give its item id")
    sections = (
        ("values", "answer labels not on the response scale: give a point or 'not observed'"),
        ("relations", "relation labels colead does not know: give a relation name"),
        ("levels", "level labels colead does not know: give 1..5"),
    )
    for section, advice in sections:
        current: dict[str, object] = dict(getattr(mapping, section))
        found = explanation.unknown_labels.get(section, ())
        if not current and not found:
            continue
        lines.append(f"{section}:")
        lines.extend(f"  {_quoted(k)}: {_quoted(str(v))}" for k, v in current.items())
        if found:
            lines.append(f"  # {advice}")
            lines.extend(f"  # {_quoted(label)}: ?" for label in found)
    if "relation" in frame.columns and "relations" not in explanation.unknown_labels:
        read = sorted({str(labels.relation(text(v))) for v in frame["relation"].dropna()})
        if read:
            lines.append(f"# relation labels read as: {', '.join(read)}")
    return Explanation(**{**explanation.__dict__, "draft": "\n".join(lines) + "\n"})
