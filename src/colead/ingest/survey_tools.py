"""Survey-tool exports (Qualtrics, Google Forms, Microsoft Forms) read into the wide layout.

The caller reads the file as strings with no header (``pd.read_csv(path, header=None,
dtype=str, keep_default_na=False, encoding="utf-8-sig")`` or ``pd.read_excel(...)`` alike;
``keep_default_na=False`` matters, or pandas turns an ``NA`` "not observed" answer into a
blank). :func:`detect_format` tells the layout from the header rows, and
:func:`read_survey_export` returns the canonical wide table with a record of how every
question column was matched to a framework item, so a user can check the fuzzy ones.

Layouts:

- ``qualtrics``: three header rows (export tags; question text; ``{"ImportId": ...}``);
- ``qualtrics_legacy``: two header rows (``V1``... tags; question text);
- ``googleforms``: one header row of question texts, first column ``Timestamp``; grid
  questions appear as ``Question [Row]``;
- ``msforms``: ``ID, Start time, Completion time, Email, Name, Last modified time``, then
  one column per question;
- ``wide``: item ids as column names; ``long``: ``item_id`` and ``value`` columns.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colead.framework.model import Framework
from colead.ingest.columns import CANONICAL_COLUMNS, match_columns, squash
from colead.ingest.mapping import Mapping
from colead.ingest.problems import blank, map_unique

__all__ = [
    "FORMATS",
    "FUZZY_CUTOFF",
    "ItemMatch",
    "SurveyTable",
    "detect_format",
    "normalise_question",
    "read_survey_export",
]

FORMATS = ("qualtrics", "qualtrics_legacy", "googleforms", "msforms", "wide", "long")
#: difflib ratio from which a question text is taken to be an item's (and reported as such)
FUZZY_CUTOFF = 0.85

_HEADER_ROWS = {"qualtrics": 3, "qualtrics_legacy": 2}

# Columns every export of a tool carries; kept under their own name (a mapping may turn one
# into rater_id, for example) but never reported as unmatched questions.
_TOOL_COLUMNS = frozenset(
    squash(name)
    for name in (
        # Qualtrics (tags and texts), current and legacy
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
        "DistributionChannel", "UserLanguage", "Response Type", "Recorded Date",
        "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email",
        "External Data Reference", "Location Latitude", "Location Longitude",
        "Distribution Channel", "User Language", "ResponseSet", "Name",
        "ExternalDataReference", "EmailAddress", "LocationAccuracy",
        # Google Forms
        "Timestamp", "Email Address", "Score",
        # Microsoft Forms
        "ID", "Start time", "Completion time", "Email", "Last modified time",
    )
)  # fmt: skip
_LEGACY_TAG = re.compile(r"^V\d+$")
_GRID_ROW = re.compile(r"\[([^\[\]]+)\]\s*$")
_PREFIX = re.compile(r"^(this person|i)\s+")


@dataclass(frozen=True)
class ItemMatch:
    """How one question column was matched to a framework item.

    ``method`` is ``"id"`` (the column is an item id), ``"mapping"`` (mapping ``items:``),
    ``"text"`` (question text equals an item's wording), ``"fuzzy"`` (close enough, used
    but to be confirmed) or ``"unmatched"`` (ignored; ``score`` is the best ratio found).
    """

    column: str
    item_id: str | None
    method: str
    score: float


@dataclass(frozen=True)
class SurveyTable:
    """A survey export in the canonical wide layout.

    ``wide`` has canonical column names (identity and comment columns, item ids), tool
    columns under their own names, and text values (None for blank cells); unmatched
    question columns are left out. For ``format == "long"`` it holds the long table with
    canonical column names instead, for :func:`~colead.ingest.response_tables.long_to_wide`.
    """

    wide: pd.DataFrame
    matches: tuple[ItemMatch, ...]
    format: str
    #: file row number (1-based) of the first data row
    first_data_row: int
    notes: tuple[str, ...]


def normalise_question(question: object) -> str:
    """Question text as compared with item wording: no case, punctuation or leading subject.

    "This person shares plans early." and "I share plans early" keep their verbs, so an
    observer question matches an item's ``text`` and a self question its ``self_text``.
    """
    words = unicodedata.normalize("NFKC", str(question)).lower()
    words = " ".join(re.sub(r"[^\w\s]+", " ", words).split())
    return _PREFIX.sub("", words)


def _candidates(question: str) -> list[str]:
    """Normalised readings of a header: whole, Google grid ``[Row]``, Qualtrics ``Q - Row``."""
    readings = [question]
    grid = _GRID_ROW.search(question)
    if grid:
        readings.append(grid.group(1))
    if " - " in question:
        readings.append(question.split(" - ", 1)[1])
        readings.append(question.rsplit(" - ", 1)[1])
    found = [normalise_question(r) for r in readings]
    return [c for c in dict.fromkeys(found) if c]


def _cell(value: Any) -> str:
    return "" if blank(value) else str(value).strip().lstrip("\ufeff")


def detect_format(raw: pd.DataFrame) -> str:
    """The layout of a survey export read with ``header=None`` (see the module docstring)."""
    if raw.empty:
        return "wide"
    rows = [[_cell(v) for v in raw.iloc[i]] for i in range(min(3, len(raw)))]
    first = rows[0]
    if len(rows) > 2 and any(v.startswith('{"ImportId"') for v in rows[2]):
        return "qualtrics"
    squashed = [squash(v) for v in first]
    second = {squash(v) for v in rows[1]} if len(rows) > 1 else set()
    if first and _LEGACY_TAG.match(first[0]) and {"responseid", "responseset"} & second:
        return "qualtrics_legacy"
    if {"starttime", "completiontime"} <= set(squashed) and "id" in squashed:
        return "msforms"
    if squashed and squashed[0] == "timestamp":
        return "googleforms"
    canonical = set(match_columns(pd.DataFrame(columns=first), Mapping()).columns)
    if {"item_id", "value"} <= canonical:
        return "long"
    return "wide"


class _ItemIndex:
    """Normalised item and comment wordings of a framework, for exact and fuzzy lookups."""

    def __init__(self, framework: Framework) -> None:
        self.ids = {squash(i): i for i in framework.item_ids}
        self.texts: dict[str, str] = {}
        for item in framework.items:
            for wording in (item.text, item.self_text):
                if wording:
                    self.texts.setdefault(normalise_question(wording), item.id)
        self.comments: dict[str, str] = {}
        for question in framework.comments:
            for prompt in (question.prompt, question.self_prompt):
                if prompt:
                    self.comments[normalise_question(prompt)] = question.id
        self._choices = list(self.texts)

    def exact(self, candidates: list[str]) -> str | None:
        return next((self.texts[c] for c in candidates if c in self.texts), None)

    def fuzzy(self, candidates: list[str]) -> tuple[str | None, float]:
        best: tuple[str | None, float] = (None, 0.0)
        for candidate in candidates:
            # get_close_matches filters with the cheap quick_ratio bounds first.
            for choice in difflib.get_close_matches(candidate, self._choices, n=1, cutoff=0.5):
                score = difflib.SequenceMatcher(None, candidate, choice).ratio()
                if score > best[1]:
                    best = (self.texts[choice], score)
        return best


def _as_text(value: Any) -> str | None:
    return None if blank(value) else str(value)


def _canonical(name: str, mapping: Mapping) -> str | None:
    """The canonical column a header names (mapping ``columns:`` first, then synonyms)."""
    if not name:
        return None
    renamed = str(match_columns(pd.DataFrame(columns=[name]), mapping).columns[0])
    # A header already spelled canonically ("ratee_id") is canonical too, not unmatched.
    return renamed if renamed != name or renamed in CANONICAL_COLUMNS else None


def read_survey_export(
    raw: pd.DataFrame,
    framework: Framework,
    *,
    format: str = "auto",
    mapping: Mapping | None = None,
) -> SurveyTable:
    """Read a survey-tool export into the canonical wide layout.

    Parameters
    ----------
    raw
        The whole file as read with ``header=None`` (strings; see the module docstring).
    framework
        Its item ids, texts, self texts and comment prompts identify question columns.
    format
        One of :data:`FORMATS`, or ``"auto"`` for :func:`detect_format`.
    mapping
        ``items:`` maps a column (export tag, question text or Qualtrics ImportId) to an
        item id; ``columns:`` names identity columns (e.g. embedded data ``RateeID:
        ratee_id``).

    Returns
    -------
    SurveyTable
        Each column is matched in this order: mapping ``items:``; mapping ``columns:``; an
        item id; an item's text or self text; a comment prompt; a canonical column synonym;
        a known tool column; a fuzzy item match (ratio >= :data:`FUZZY_CUTOFF`, used and
        reported); otherwise unmatched, reported and left out. An item matched by a second
        column keeps the first and the second is reported in ``notes``.
    """
    mapping = mapping or Mapping()
    fmt = detect_format(raw) if format == "auto" else format
    if fmt not in FORMATS:
        raise ValueError(f"unknown survey format {format!r}; use one of {', '.join(FORMATS)}")
    header_rows = _HEADER_ROWS.get(fmt, 1)
    headers = [[_cell(v) for v in raw.iloc[i]] for i in range(min(header_rows, len(raw)))]
    data = raw.iloc[header_rows:].reset_index(drop=True)
    data = data.apply(lambda column: map_unique(column, _as_text))
    # Trailing empty rows (spreadsheets keep formatted ones) are not forms.
    data = data[data.notna().any(axis=1)].reset_index(drop=True)
    first_data_row = header_rows + 1
    if fmt == "long":
        long = data.copy()
        long.columns = headers[0] if headers else []
        long = match_columns(long, mapping)
        return SurveyTable(long, (), fmt, first_data_row, ())

    index = _ItemIndex(framework)
    mapped_items = {k.strip(): v for k, v in mapping.items.items()}
    explicit = {squash(k) for k in mapping.columns}
    names: list[str] = []
    matches: list[ItemMatch] = []
    notes: list[str] = []
    owner: dict[str, str] = {}
    keep: list[int] = []

    def claim(position: int, column: str, target: str, method: str | None, score: float) -> None:
        """Keep a column under ``target``; the first column to claim a name keeps it."""
        if target in owner:
            notes.append(
                f"column '{column}' also matches '{target}', already taken by column "
                f"'{owner[target]}'; it was ignored"
            )
            if method is not None:
                matches.append(ItemMatch(column, None, "unmatched", score))
            return
        owner[target] = column
        names.append(target)
        keep.append(position)
        if method is not None:
            matches.append(ItemMatch(column, target, method, score))

    for position in range(raw.shape[1]):
        column_names = [h[position] for h in headers]
        if fmt == "qualtrics" and len(column_names) == 3:
            # The third row is JSON naming the question id; a mapping may use it.
            try:
                column_names[2] = str(json.loads(column_names[2]).get("ImportId", ""))
            except (ValueError, AttributeError):
                column_names[2] = ""
        # Legacy tags (V1, V2 ...) say nothing; its text row names those columns better.
        usable = [n for n in column_names if n and not _LEGACY_TAG.match(n)]
        label = next(iter(usable), f"column {position + 1}")
        question = (
            column_names[1]
            if fmt.startswith("qualtrics") and len(column_names) > 1
            else (column_names[0] if column_names else "")
        )
        # Tool columns are tried on every header row, the question text on its own row.
        mapped = next((mapped_items[n] for n in column_names if n in mapped_items), None)
        if mapped is not None:
            if mapped in framework.item_ids:
                claim(position, label, mapped, "mapping", 1.0)
            else:
                notes.append(f"mapping maps column '{label}' to unknown item '{mapped}'")
                matches.append(ItemMatch(label, None, "unmatched", 0.0))
            continue
        target = next((_canonical(n, mapping) for n in column_names if squash(n) in explicit), None)
        if target is not None:
            claim(position, label, target, None, 1.0)
            continue
        item_id = next((index.ids[squash(n)] for n in column_names if squash(n) in index.ids), None)
        if item_id is not None:
            claim(position, label, item_id, "id", 1.0)
            continue
        candidates = _candidates(question)
        item_id = index.exact(candidates)
        if item_id is not None:
            claim(position, label, item_id, "text", 1.0)
            continue
        comment = next((index.comments[c] for c in candidates if c in index.comments), None)
        if comment is not None:
            claim(position, label, comment, None, 1.0)
            continue
        # Tool columns before synonyms: a quiz "Score" column is not an answer "value".
        if any(squash(n) in _TOOL_COLUMNS for n in column_names if n):
            claim(position, label, label, None, 1.0)
            continue
        target = next((t for t in (_canonical(n, mapping) for n in column_names) if t), None)
        if target is not None:
            claim(position, label, target, None, 1.0)
            continue
        if not any(column_names) and data.iloc[:, position].isna().all():
            continue  # an empty trailing column (a trailing comma on every line)
        item_id, score = index.fuzzy(candidates)
        if item_id is not None and score >= FUZZY_CUTOFF:
            claim(position, label, item_id, "fuzzy", round(score, 3))
            notes.append(
                f"column '{label}' was matched to item '{item_id}' by similar wording "
                f"({score:.0%}); check it, or map it in the mapping file's 'items:' section"
            )
            continue
        matches.append(ItemMatch(label, None, "unmatched", round(score, 3)))
    unmatched = sum(m.method == "unmatched" for m in matches)
    if unmatched:
        notes.append(f"{unmatched} question column(s) matched no item and were ignored")
    wide = data.iloc[:, keep].copy()
    wide.columns = names
    return SurveyTable(wide, tuple(matches), fmt, first_data_row, tuple(notes))
