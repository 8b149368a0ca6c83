"""Survey-tool exports read into the wide layout: Qualtrics, Forms, SurveyMonkey, LimeSurvey.

The caller reads the file as strings with no header (``pd.read_csv(path, header=None,
dtype=str, keep_default_na=False, encoding="utf-8-sig")`` or ``pd.read_excel(...)`` alike,
or :func:`colead.ingest.reader.read_file`; ``keep_default_na=False`` matters, or pandas
turns an ``NA`` "not observed" answer into a blank). :func:`detect_format` tells the layout
from the header rows, and :func:`read_survey_export` returns the canonical wide table with a
record of how every question column was matched to a framework item, so a user can check
the fuzzy ones.

The layouts (``qualtrics``, ``qualtrics_legacy``, ``googleforms``, ``msforms``,
``surveymonkey``, ``limesurvey``, ``wide``, ``long``) are described in
:mod:`colead.ingest.survey_layouts`.

Respondent and completion columns are also given under canonical names, copied from the
tool's own columns (and only when the file has no column of that name already), so that
later steps need not know the tool:

- ``rater_email``: Qualtrics ``RecipientEmail`` (legacy ``EmailAddress``); Google Forms
  ``Email Address``; Microsoft Forms ``Email``; SurveyMonkey ``Email Address``; LimeSurvey
  participant ``email`` (``Email address``);
- ``rater_name``: Microsoft Forms ``Name``; Qualtrics ``RecipientFirstName`` +
  ``RecipientLastName`` (legacy ``Name``); SurveyMonkey ``First Name`` + ``Last Name``;
  LimeSurvey participant ``firstname`` + ``lastname``;
- ``completed``: Qualtrics ``Finished`` (``True``/``False`` or ``1``/``0``);
- ``progress``: Qualtrics ``Progress`` (percent);
- ``submitted_at``: LimeSurvey ``submitdate`` (``Date submitted``), blank while unfinished;
- ``recorded_at``: the time that orders two responses of one rater about one ratee:
  Qualtrics ``RecordedDate`` (legacy ``EndDate``); Google Forms ``Timestamp``; Microsoft
  Forms ``Last modified time``, else ``Completion time``; SurveyMonkey ``End Date``;
  LimeSurvey ``datestamp`` (``Date last action``), else ``submitdate``.

The values are the file's text, unchanged (dates in the tool's own format). A plain
``wide`` table names such columns itself ("Finished", "Date submitted" read as their
canonical synonyms).

Questions that name the rated person ("Who are you giving feedback on?", "Participant
ID", "Person being rated" ...) become ``ratee_id`` and those asking how the rater works
with them ("How do you work with this person?", "What is your relationship to this
person?" ...) become ``relation``; the ratee column holds whatever the rater picked (an id,
an e-mail or a full name) and the relation column the label as the tool wrote it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from colead.framework.model import Framework
from colead.ingest.columns import CANONICAL_COLUMNS, match_columns, squash
from colead.ingest.mapping import Mapping
from colead.ingest.problems import blank, map_unique
from colead.ingest.survey_layouts import (
    HEADER_ROWS,
    IDENTITY_QUESTIONS,
    NAME_PARTS,
    RESPONDENT_COLUMNS,
    RESPONDENT_NAMES,
    column_headers,
    detect_format,
    header_cell,
    is_tool_column,
)

__all__ = [
    "FORMATS",
    "FUZZY_CUTOFF",
    "IDENTITY_QUESTIONS",
    "ItemMatch",
    "SurveyTable",
    "detect_format",
    "normalise_question",
    "read_survey_export",
]

FORMATS = (
    "qualtrics",
    "qualtrics_legacy",
    "googleforms",
    "msforms",
    "surveymonkey",
    "limesurvey",
    "wide",
    "long",
)
#: difflib ratio from which a question text is taken to be an item's (and reported as such)
FUZZY_CUTOFF = 0.85

_GRID_ROW = re.compile(r"\[([^\[\]]+)\]\s*$")
_PREFIX = re.compile(r"^(this person|i)\s+")


@dataclass(frozen=True)
class ItemMatch:
    """How one question column was matched to a framework item.

    ``method`` is ``"id"`` (the column is an item id), ``"mapping"`` (mapping ``items:``),
    ``"text"`` (question text equals an item's wording), ``"fuzzy"`` (close enough, used
    but to be confirmed) or ``"unmatched"`` (ignored; ``score`` is the best ratio found).
    Several columns may match one item (an observer and a self block); their answers are
    folded into one column of the table.
    """

    column: str
    item_id: str | None
    method: str
    score: float


@dataclass(frozen=True)
class SurveyTable:
    """A survey export in the canonical wide layout.

    ``wide`` has canonical column names (identity and comment columns, item ids, the
    respondent and completion columns of the module docstring), tool columns under their
    own names, and text values (None for blank cells); unmatched question columns are left
    out. For ``format == "long"`` it holds the long table with canonical column names
    instead, for :func:`~colead.ingest.response_tables.long_to_wide`.
    """

    wide: pd.DataFrame
    matches: tuple[ItemMatch, ...]
    format: str
    #: file row number (1-based) of the first data row
    first_data_row: int
    notes: tuple[str, ...]
    #: rows answering one item (or comment) in two of its columns with different answers:
    #: (0-based position in ``wide``, item or comment id, message naming both columns and
    #: both answers); such a row cannot be stored as it stands
    conflicts: tuple[tuple[int, str, str], ...] = ()
    #: every header column in file order: (column, what it is read as or None, how that was
    #: decided: "item id", "item wording", "item (mapping 'items:')", "item, similar
    #: wording (..%): check it", "comment question", "question wording", "survey tool
    #: column", "mapping 'columns:'", "canonical name", "known synonym" or "not read: ...")
    readings: tuple[tuple[str, str | None, str], ...] = ()


def normalise_question(question: object) -> str:
    """Question text as compared with item wording: no case, punctuation or leading subject.

    "This person shares plans early." and "I share plans early" keep their verbs, so an
    observer question matches an item's ``text`` and a self question its ``self_text``.
    """
    words = unicodedata.normalize("NFKC", str(question)).lower()
    words = " ".join(re.sub(r"[^\w\s]+", " ", words).split())
    return _PREFIX.sub("", words)


def _candidates(*questions: str) -> list[str]:
    """Normalised readings of headers: whole, grid ``[Row]``, ``Question - Row``."""
    readings: list[str] = []
    for question in questions:
        if not question:
            continue
        readings.append(question)
        grid = _GRID_ROW.search(question)
        if grid:
            readings.append(grid.group(1))
        if " - " in question:
            readings.append(question.split(" - ", 1)[1])
            readings.append(question.rsplit(" - ", 1)[1])
    found = [normalise_question(r) for r in readings]
    return [c for c in dict.fromkeys(found) if c]


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
        self.identity = {
            normalise_question(wording): target
            for target, wordings in IDENTITY_QUESTIONS.items()
            for wording in wordings
        }
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


def _answer_key(value: Any) -> str | None:
    """An answer as compared between two columns: no case or repeated spaces."""
    return None if blank(value) else " ".join(str(value).split()).casefold()


def _canonical(name: str, mapping: Mapping) -> str | None:
    """The canonical column a header names (mapping ``columns:`` first, then synonyms)."""
    if not name:
        return None
    renamed = str(match_columns(pd.DataFrame(columns=[name]), mapping).columns[0])
    # A header already spelled canonically ("ratee_id") is canonical too, not unmatched.
    return renamed if renamed != name or renamed in CANONICAL_COLUMNS else None


def _shown(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_filled(columns: list[pd.Series]) -> pd.Series:
    """Per row, the first non-blank cell of ``columns`` (None where all are blank)."""
    values = columns[0].to_numpy(dtype=object, copy=True)
    for series in columns[1:]:
        missing = pd.isna(values)
        if not missing.any():
            break
        values[missing] = series.to_numpy(dtype=object)[missing]
    return pd.Series(values, index=columns[0].index, dtype=object)


def _fold(
    target: str, comment: bool, columns: list[tuple[str, pd.Series]]
) -> tuple[pd.Series, list[tuple[int, str, str]]]:
    """One column from several that ask the same question, and the rows where they disagree.

    Each row keeps the first non-blank cell; a row with two different non-blank answers is
    a conflict (the first differing pair of columns is named).
    """
    folded = _first_filled([series for _, series in columns])
    keys = [map_unique(series, _answer_key) for _, series in columns]
    what = f"comment '{target}'" if comment else f"item '{target}'"
    conflicts: list[tuple[int, str, str]] = []
    reported = np.zeros(len(folded), dtype=bool)
    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            left, right = keys[i], keys[j]
            both = (left.notna() & right.notna() & (left != right)).to_numpy(dtype=bool)
            differ = both & ~reported
            for position in np.flatnonzero(differ):
                (name_a, series_a), (name_b, series_b) = columns[i], columns[j]
                conflicts.append(
                    (
                        int(position),
                        target,
                        f"{what} is answered in two columns with different answers: "
                        f"'{name_a}' says '{_shown(series_a.iat[position])}' and "
                        f"'{name_b}' says '{_shown(series_b.iat[position])}'; each form "
                        "should answer only one of them",
                    )
                )
            reported |= differ
    return folded, conflicts


def _respondent_columns(
    fmt: str, data: pd.DataFrame, tool_at: dict[str, int], taken: set[str]
) -> dict[str, pd.Series]:
    """The respondent and completion columns (module docstring) this layout's file has."""
    out: dict[str, pd.Series] = {}
    for target, sources in RESPONDENT_COLUMNS.get(fmt, ()):
        found = [tool_at[squash(s)] for s in sources if squash(s) in tool_at]
        if target in taken or not found:
            continue
        out[target] = _first_filled([data.iloc[:, position] for position in found])
    parts = NAME_PARTS.get(fmt, ())
    if parts and "rater_name" not in taken | set(out) and all(squash(p) in tool_at for p in parts):
        first, last = (data.iloc[:, tool_at[squash(p)]].fillna("").str.strip() for p in parts)
        out["rater_name"] = map_unique((first + " " + last).str.strip(), _as_text)
    return out


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
        ``items:`` maps a column (export tag, question text, Qualtrics ImportId, LimeSurvey
        code) to an item id; ``columns:`` names identity columns (e.g. embedded data
        ``RateeID: ratee_id``).

    Returns
    -------
    SurveyTable
        Each column is matched in this order: mapping ``items:``; mapping ``columns:``; an
        item id (for LimeSurvey also the subquestion code); an item's text or self text; a
        comment prompt; an identity question (:data:`IDENTITY_QUESTIONS`); a known tool
        column; a canonical column synonym; a fuzzy item match (ratio >=
        :data:`FUZZY_CUTOFF`, used and reported); otherwise unmatched, reported and left
        out. Columns matching one item or comment are folded (see the module docstring);
        another column matching an identity or tool column already taken is ignored with a
        note.
    """
    mapping = mapping or Mapping()
    fmt = detect_format(raw) if format == "auto" else format
    if fmt not in FORMATS:
        raise ValueError(f"unknown survey format {format!r}; use one of {', '.join(FORMATS)}")
    header_rows = HEADER_ROWS.get(fmt, 1)
    headers = [[header_cell(v) for v in raw.iloc[i]] for i in range(min(header_rows, len(raw)))]
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
    comment_ids = {c.id for c in framework.comments}
    mapped_items = {k.strip(): v for k, v in mapping.items.items()}
    explicit = {squash(k) for k in mapping.columns}
    matches: list[ItemMatch] = []
    notes: list[str] = []
    order: list[str] = []  # target names, in the order they first appear
    sources: dict[str, list[tuple[int, str]]] = {}  # target -> (position, label) of its columns
    tool_at: dict[str, int] = {}  # squashed tool column name -> position

    readings: list[tuple[str, str | None, str]] = []

    def claim(
        position: int, label: str, target: str, how: str, method: str | None, score: float
    ) -> None:
        """Keep a column under ``target``: items and comments fold, other names go first."""
        foldable = target in framework.item_ids or target in comment_ids
        if target in sources and not foldable:
            taken_by = sources[target][0][1]
            notes.append(
                f"column '{label}' also matches '{target}', already taken by column "
                f"'{taken_by}'; it was ignored"
            )
            readings.append((label, None, f"not read: '{target}' is column '{taken_by}'"))
            return
        if target not in sources:
            order.append(target)
            sources[target] = []
        sources[target].append((position, label))
        readings.append((label, target, how))
        if method is not None:
            matches.append(ItemMatch(label, target, method, score))

    for position, header in enumerate(column_headers(fmt, headers, raw.shape[1])):
        label, names = header.label, header.names
        mapped = next((mapped_items[n] for n in (*names, label) if n in mapped_items), None)
        if mapped is not None:
            if mapped in framework.item_ids:
                claim(position, label, mapped, "item (mapping 'items:')", "mapping", 1.0)
            else:
                notes.append(f"mapping maps column '{label}' to unknown item '{mapped}'")
                matches.append(ItemMatch(label, None, "unmatched", 0.0))
                readings.append((label, None, f"not read: mapped to unknown item '{mapped}'"))
            continue
        target = next((_canonical(n, mapping) for n in names if squash(n) in explicit), None)
        if target is not None:
            claim(position, label, target, "mapping 'columns:'", None, 1.0)
            continue
        item_id = next(
            (index.ids[squash(n)] for n in (*names, *header.codes) if squash(n) in index.ids),
            None,
        )
        if item_id is not None:
            claim(position, label, item_id, "item id", "id", 1.0)
            continue
        candidates = _candidates(*header.questions)
        item_id = index.exact(candidates)
        if item_id is not None:
            claim(position, label, item_id, "item wording", "text", 1.0)
            continue
        comment = next((index.comments[c] for c in candidates if c in index.comments), None)
        if comment is not None:
            claim(position, label, comment, "comment question", None, 1.0)
            continue
        identity = next((index.identity[c] for c in candidates if c in index.identity), None)
        if identity is not None:
            claim(position, label, identity, "question wording", None, 1.0)
            continue
        synonym = next((t for t in (_canonical(n, mapping) for n in names) if t), None)
        # Tool columns before synonyms: a quiz "Score" column is not an answer "value". A
        # plain table has no tool, so its "Finished" or "Date submitted" keeps its synonym.
        plain = fmt == "wide" and synonym in RESPONDENT_NAMES
        if is_tool_column(names) and not plain:
            for name in names:
                tool_at.setdefault(squash(name), position)
            claim(position, label, label, "survey tool column", None, 1.0)
            continue
        target = synonym
        if target is not None:
            spelled = any(squash(n) == squash(target) for n in names)
            how = "canonical name" if spelled else "known synonym"
            claim(position, label, target, how, None, 1.0)
            continue
        if not any(names) and data.iloc[:, position].isna().all():
            continue  # an empty trailing column (a trailing comma on every line)
        item_id, score = index.fuzzy(candidates)
        if item_id is not None and score >= FUZZY_CUTOFF:
            how = f"item, similar wording ({score:.0%}): check it"
            claim(position, label, item_id, how, "fuzzy", round(score, 3))
            notes.append(
                f"column '{label}' was matched to item '{item_id}' by similar wording "
                f"({score:.0%}); check it, or map it in the mapping file's 'items:' section"
            )
            continue
        matches.append(ItemMatch(label, None, "unmatched", round(score, 3)))
        readings.append((label, None, "not read: no item, comment or known column"))

    columns: dict[str, pd.Series] = {}
    conflicts: list[tuple[int, str, str]] = []
    folded: list[str] = []
    for target in order:
        places = sources[target]
        if len(places) == 1:
            columns[target] = data.iloc[:, places[0][0]]
            continue
        folded.append(target)
        parts = [(label, data.iloc[:, position]) for position, label in places]
        columns[target], found_conflicts = _fold(target, target in comment_ids, parts)
        conflicts += found_conflicts
    columns.update(_respondent_columns(fmt, data, tool_at, set(columns)))
    wide = pd.DataFrame(columns, index=data.index)
    if folded:
        shown = ", ".join(folded[:5]) + (f" and {len(folded) - 5} more" if len(folded) > 5 else "")
        notes.append(
            f"{len(folded)} question(s) are asked in more than one column ({shown}), e.g. in "
            "an observer and a self-assessment block: each form's answer is taken from the "
            "column it answered"
        )
    if conflicts:
        rows = len({c[0] for c in conflicts})
        notes.append(
            f"{rows} row(s) answer a question in two of its columns with different answers; "
            "those rows cannot be stored as they are"
        )
    unmatched = [m.column for m in matches if m.method == "unmatched"]
    if unmatched:
        named = ", ".join(f"'{c}'" for c in unmatched[:10])
        more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
        notes.append(
            f"{len(unmatched)} question column(s) matched no item and were ignored: "
            f"{named}{more}. If one holds a framework item, map it to the item's id in the "
            "mapping file's 'items:' section"
        )
    conflicts.sort(key=lambda c: (c[0], c[1]))
    return SurveyTable(
        wide, tuple(matches), fmt, first_data_row, tuple(notes), tuple(conflicts), tuple(readings)
    )
