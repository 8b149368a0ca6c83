"""Long response tables (one row per answer) folded into packed forms, chunk by chunk.

A long export of one wave holds a million rows or more, so the table is never held whole:
:class:`LongFolder` takes it in chunks and keeps, per row, four small integers (form,
item, answer, relation), each an index into a dictionary of the distinct values seen.
Cleaning, answer reading and id lookups run once per distinct value, never per row.
:meth:`LongFolder.finish` then checks the rules and builds the int8 forms x items matrix
the store keeps, in the same layout :func:`~colead.ingest.response_tables.wide_to_codes`
gives for wide tables.

Rules, each a problem on the row that breaks it:

- ratee_id or rater_id blank; item_id blank; item_id not in the framework (with similar
  ids as a hint);
- an answer that is not on the response scale (read as in
  :class:`~colead.ingest.response_tables.AnswerReader`);
- an item answered again with a different answer ("4" and "Often" are one answer when
  "Often" is scale point 4), on the later row;
- a relation that differs from the form's first non-blank relation (case-insensitive).

A form (wave x ratee x rater) with any problem is not stored at all, and its other rows get
a problem saying so, so the whole form is quarantined together: storing part of it would
change the rater's scores.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from colead.domain import BLANK
from colead.errors import InvalidData
from colead.framework.model import Framework
from colead.ingest.mapping import Mapping
from colead.ingest.problems import RowNumbers, RowProblem
from colead.ingest.response_tables import INVALID_ANSWER, AnswerReader
from colead.ingest.spreadsheet import GUARD, unguard

__all__ = ["LONG_COLUMNS", "FoldedForms", "LongFolder"]

#: Columns a long table must have (canonical names).
LONG_COLUMNS = ("ratee_id", "rater_id", "relation", "item_id", "value")

_COMMENTS = ("comment_strengths", "comment_suggestions")
# Form keys pack three dictionary ids into one int64; 21 bits each is two million ids.
_ID_BITS = 21
_MAX_IDS = (1 << _ID_BITS) - 1
_BLANK_ITEM = -1
# An answer cell not answered yet; outside the int8 codes and INVALID_ANSWER.
_UNSET = np.int16(-32768)


def _clean(value: str | None) -> str | None:
    """Stripped text, None for blanks; one formula-guard apostrophe (as colead exports
    write them) removed."""
    if value is None:
        return None
    if value.startswith(GUARD):
        value = unguard(value)
    return value.strip() or None


def _arrow_text(column: pd.Series) -> pa.Array:
    """A column as an arrow string array (zero-copy for arrow-backed text)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        array = pa.array(column.array)
    else:
        array = pa.array(
            [None if v is None or v != v else str(v) for v in column.to_numpy(dtype=object)],
            type=pa.string(),
        )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


class _Dictionary:
    """Distinct cleaned values of one column across chunks, numbered in order seen."""

    def __init__(self, lower: bool = False) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[str] = []
        self.lower = lower

    def encode(self, column: pd.Series) -> np.ndarray:
        """Per row, the id of its cleaned value (-1 for blanks)."""
        encoded = pc.dictionary_encode(_arrow_text(column))
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        lookup = np.array(
            [self.id(_clean(v)) for v in encoded.dictionary.to_pylist()] + [-1], dtype=np.int64
        )
        ids: np.ndarray = lookup[indices]
        return ids

    def id(self, value: str | None) -> int:
        if value is None:
            return -1
        key = value.lower() if self.lower else value
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.values)
            self.values.append(value)  # the first spelling seen is the one shown
        return found


@dataclass(frozen=True)
class FoldedForms:
    """The accepted forms of a long table and where every form came from.

    ``meta`` has :data:`~colead.ingest.response_tables.META_COLUMNS` (and ``wave`` when the
    table has it), one row per accepted form in order of first appearance; ``codes`` is
    int8, forms x framework items. ``row_form`` gives, for every data row, its form number
    (-1 for a row with no form), ``accepted`` the form number of each ``meta`` row and
    ``first_row`` the data-row position where each form number first appears.
    """

    meta: pd.DataFrame
    codes: np.ndarray
    problems: list[RowProblem]
    rows_read: int
    row_form: np.ndarray
    accepted: np.ndarray
    first_row: np.ndarray

    def first_position(self, index: int) -> int:
        """Data-row position of the first row of accepted form ``index``."""
        return int(self.first_row[self.accepted[index]])

    def positions_of(self, first_positions: list[int]) -> dict[int, np.ndarray]:
        """Every row position of the accepted forms whose first row is in ``first_positions``
        (keyed by that first row); other positions are left out."""
        accepted = set(self.accepted.tolist())
        forms = {
            int(self.row_form[p]): p
            for p in first_positions
            if 0 <= p < len(self.row_form)
            and int(self.row_form[p]) in accepted
            and self.first_row[self.row_form[p]] == p
        }
        if not forms:
            return {}
        wanted = np.flatnonzero(np.isin(self.row_form, np.fromiter(forms, dtype=np.int64)))
        order = np.argsort(self.row_form[wanted], kind="stable")
        owners, starts = np.unique(self.row_form[wanted][order], return_index=True)
        groups = np.split(wanted[order], starts[1:])
        return {forms[int(owner)]: group for owner, group in zip(owners, groups, strict=True)}


class LongFolder:
    """Accumulates a long response table chunk by chunk; :meth:`finish` folds it.

    Rules are checked as chunks arrive, against the answers kept so far, so what is held
    between chunks is the forms x items answer matrix and one form number per row
    (4 bytes), not the rows themselves.

    Parameters
    ----------
    framework
        Item ids (matched case-insensitively) and the response scale.
    source
        File name used in problems.
    rows
        Turns a 0-based data-row position into the row number the user sees.
    mapping
        ``items:`` maps other item spellings to item ids; ``values:`` other answer labels
        to scale points.
    """

    def __init__(
        self,
        framework: Framework,
        *,
        source: str,
        rows: RowNumbers,
        mapping: Mapping | None = None,
    ) -> None:
        self.framework, self.source, self.rows = framework, source, rows
        mapping = mapping or Mapping()
        self.reader = AnswerReader(framework, mapping)
        self.n_items = len(framework.item_ids)
        self.item_index = {item.lower(): k for k, item in enumerate(framework.item_ids)}
        for spelling, item in mapping.items.items():
            if item in framework.item_ids:
                self.item_index[spelling.strip().lower()] = framework.item_ids.index(item)
        self.unknown_items = _Dictionary()
        self.people = _Dictionary()
        self.waves = _Dictionary()
        self.relations = _Dictionary(lower=True)
        self.answers = _Dictionary()
        self.answer_codes: list[int] = []
        self.comments: dict[str, dict[int, str]] = {name: {} for name in _COMMENTS}
        self.form_ids: dict[int, int] = {}
        self.form_keys: list[int] = []
        self.first_rows: list[int] = []
        self.has_wave: bool | None = None
        # Grown by doubling: answers per form and item (_UNSET until answered), and each
        # form's first non-blank relation (-1 until seen).
        self._codes = np.full((1024, self.n_items), _UNSET, dtype=np.int16)
        self._first_relation = np.full(1024, -1, dtype=np.int64)
        self._row_form: list[np.ndarray] = []
        self._found = _Found()
        self._read = 0

    def add(self, chunk: pd.DataFrame) -> None:
        """Add the next rows (canonical column names; text cells, None or NaN for blanks)."""
        missing = [c for c in LONG_COLUMNS if c not in chunk.columns]
        if missing:
            raise InvalidData(
                f"{self.source}: the long responses table has no column {', '.join(missing)}.",
                "Long tables need ratee_id, rater_id, relation, item_id and value.",
            )
        if self.has_wave is None:
            self.has_wave = "wave" in chunk.columns
        n, offset = len(chunk), self._read
        ratee = self.people.encode(chunk["ratee_id"])
        rater = self.people.encode(chunk["rater_id"])
        wave = self.waves.encode(chunk["wave"]) if self.has_wave else np.zeros(n, np.int64)
        if len(self.people.values) > _MAX_IDS or len(self.waves.values) > _MAX_IDS:
            raise InvalidData(
                f"{self.source}: more than {_MAX_IDS:,} distinct person ids.",
                "Split the file by wave or by organisation.",
            )
        form = self._forms(wave + 1, ratee, rater, offset)
        item = self._items(chunk["item_id"])
        answer = self.answers.encode(chunk["value"])
        self.answer_codes.extend(
            self.reader(v) for v in self.answers.values[len(self.answer_codes) :]
        )
        code = np.array([*self.answer_codes, BLANK], dtype=np.int16)[answer]
        relation = self.relations.encode(chunk["relation"])
        self._identity_problems(form, item, offset)
        known = (item >= 0) & (form >= 0)
        self._answer_problems(known, form, item, code, answer, offset)
        self._relation_problems(form, relation, offset)
        for name in _COMMENTS:
            if name in chunk.columns:
                self._keep_first_comment(name, chunk[name], form)
        self._row_form.append(form.astype(np.int32))
        self._read += n

    def _forms(
        self, wave: np.ndarray, ratee: np.ndarray, rater: np.ndarray, offset: int
    ) -> np.ndarray:
        """Form number per row (in order of first appearance), -1 when an id is blank."""
        form = np.full(len(ratee), -1, dtype=np.int64)
        valid = np.flatnonzero((ratee >= 0) & (rater >= 0))
        keys = (wave << (2 * _ID_BITS)) | (ratee << _ID_BITS) | rater
        distinct, first, inverse = np.unique(keys[valid], return_index=True, return_inverse=True)
        local = np.empty(len(distinct), dtype=np.int64)
        for k in np.argsort(first, kind="stable").tolist():
            key = int(distinct[k])
            number = self.form_ids.get(key)
            if number is None:
                number = self.form_ids[key] = len(self.form_keys)
                self.form_keys.append(key)
                self.first_rows.append(offset + int(valid[first[k]]))
            local[k] = number
        form[valid] = local[inverse]
        self._grow(len(self.form_keys))
        return form

    def _grow(self, forms: int) -> None:
        capacity = len(self._first_relation)
        if forms <= capacity:
            return
        while capacity < forms:
            capacity *= 2
        codes = np.full((capacity, self.n_items), _UNSET, dtype=np.int16)
        codes[: len(self._codes)] = self._codes
        relations = np.full(capacity, -1, dtype=np.int64)
        relations[: len(self._first_relation)] = self._first_relation
        self._codes, self._first_relation = codes, relations

    def _items(self, column: pd.Series) -> np.ndarray:
        """Item index per row; -1 blank; -2 - k for the k-th distinct unknown id."""
        encoded = pc.dictionary_encode(_arrow_text(column))
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        lookup = []
        for value in encoded.dictionary.to_pylist():
            word = _clean(value)
            if word is None:
                lookup.append(_BLANK_ITEM)
            elif word.lower() in self.item_index:
                lookup.append(self.item_index[word.lower()])
            else:
                lookup.append(-2 - self.unknown_items.id(word))
        table = np.array([*lookup, _BLANK_ITEM], dtype=np.int64)
        items: np.ndarray = table[indices]
        return items

    def _keep_first_comment(self, name: str, column: pd.Series, form: np.ndarray) -> None:
        kept = self.comments[name]
        words = _Dictionary()
        ids = words.encode(column)
        given = np.flatnonzero((ids >= 0) & (form >= 0))
        forms, first = np.unique(form[given], return_index=True)
        for number, position in zip(forms.tolist(), given[first].tolist(), strict=True):
            kept.setdefault(number, words.values[ids[position]])

    def _identity_problems(self, form: np.ndarray, item: np.ndarray, offset: int) -> None:
        found = self._found
        no_id = form < 0
        found.add_all(
            offset + np.flatnonzero(no_id),
            "ratee_id",
            None,
            "ratee_id or rater_id is blank",
            "Fill in both.",
        )
        found.add_all(
            offset + np.flatnonzero((item == _BLANK_ITEM) & ~no_id),
            "item_id",
            None,
            "item_id is blank",
            "Name the item answered.",
        )
        unknown = np.flatnonzero(item <= -2)
        for k in np.unique(item[unknown]).tolist():
            word = self.unknown_items.values[-2 - k]
            close = difflib.get_close_matches(word, self.framework.item_ids, n=3, cutoff=0.6)
            hint = (
                f"Did you mean {', '.join(close)}?"
                if close
                else f"Item ids look like {self.framework.item_ids[0]}."
            )
            found.add_all(
                offset + unknown[item[unknown] == k],
                "item_id",
                word,
                f"unknown item '{word}'",
                hint,
            )

    def _answer_problems(
        self,
        known: np.ndarray,
        form: np.ndarray,
        item: np.ndarray,
        code: np.ndarray,
        answer: np.ndarray,
        offset: int,
    ) -> None:
        invalid = np.flatnonzero(known & (code == INVALID_ANSWER))
        for k in np.unique(answer[invalid]).tolist():
            value = self.answers.values[k]
            self._found.add_all(
                offset + invalid[answer[invalid] == k],
                "value",
                value,
                f"{self.reader.message(value)}; the form was not stored",
                self.reader.hint,
            )
        # An item answered again must repeat the answer kept so far (from an earlier chunk,
        # or this chunk's first row for the pair); the first answer of a pair is kept.
        rows = np.flatnonzero(known)
        pair = form[rows] * self.n_items + item[rows]
        order = np.argsort(pair, kind="stable")
        rows, pair = rows[order], pair[order]
        starts = np.ones(len(rows), dtype=bool)
        starts[1:] = pair[1:] != pair[:-1]
        group_start = rows[starts]
        kept = self._codes[form[group_start], item[group_start]]
        fresh = kept == _UNSET
        reference = np.where(fresh, code[group_start], kept)
        clash = rows[code[rows] != reference[np.cumsum(starts) - 1]]
        self._codes[form[group_start[fresh]], item[group_start[fresh]]] = code[group_start[fresh]]
        for position in np.sort(clash).tolist():
            self._found.add_all(
                np.array([offset + position]),
                "value",
                self.answers.values[answer[position]] if answer[position] >= 0 else None,
                f"item '{self.framework.item_ids[item[position]]}' is answered again with a "
                "different value",
                "Keep one answer per item and rater.",
            )

    def _relation_problems(self, form: np.ndarray, relation: np.ndarray, offset: int) -> None:
        named = np.flatnonzero((relation >= 0) & (form >= 0))
        numbers, first = np.unique(form[named], return_index=True)
        unset = self._first_relation[numbers] < 0
        self._first_relation[numbers[unset]] = relation[named[first[unset]]]
        expected = self._first_relation[form[named]]
        for position in named[relation[named] != expected].tolist():
            first_seen = self.relations.values[self._first_relation[form[position]]]
            self._found.add_all(
                np.array([offset + position]),
                "relation",
                self.relations.values[relation[position]],
                f"relation differs from this form's first row ('{first_seen}')",
                "One rater has one relation to a ratee within a wave.",
            )

    def finish(self) -> FoldedForms:
        """Fold the accepted forms (see the module docstring)."""
        row_form = np.concatenate(self._row_form) if self._row_form else np.empty(0, dtype=np.int32)
        self._row_form = []
        n_forms = len(self.form_keys)
        found = self._found
        with_problem = found.positions()
        bad = np.zeros(n_forms + 1, dtype=bool)  # the extra slot absorbs form -1
        bad[row_form[with_problem]] = True
        bad[-1] = False
        others = np.flatnonzero(bad[row_form])
        found.add_all(
            np.setdiff1d(others, with_problem, assume_unique=True),
            None,
            None,
            "another row of this form has a problem, so the form was not stored",
            "Fix the other row(s) of this ratee and rater and import again.",
        )
        accepted = np.flatnonzero(~bad[:n_forms])
        codes = self._codes[accepted]
        codes[codes == _UNSET] = BLANK
        return FoldedForms(
            meta=self._meta(accepted),
            codes=codes.astype(np.int8),
            problems=found.problems(self.source, self.rows),
            rows_read=self._read,
            row_form=row_form,
            accepted=accepted,
            first_row=np.asarray(self.first_rows, dtype=np.int64),
        )

    def _meta(self, accepted: np.ndarray) -> pd.DataFrame:
        keys = np.asarray(self.form_keys, dtype=np.int64)[accepted]
        mask = np.int64(_MAX_IDS)
        people = np.array([*self.people.values, None], dtype=object)
        relations = np.array([*self.relations.values, None], dtype=object)
        columns: dict[str, object] = {
            "ratee_id": people[(keys >> _ID_BITS) & mask],
            "rater_id": people[keys & mask],
            "relation": relations[self._first_relation[accepted]],
        }
        for name in _COMMENTS:
            kept = self.comments[name]
            columns[name] = np.array([kept.get(int(f)) for f in accepted], dtype=object)
        if self.has_wave:
            waves = np.array([None, *self.waves.values], dtype=object)
            columns["wave"] = waves[keys >> (2 * _ID_BITS)]
        # Object columns keep None for blanks (text columns would turn it into NaN).
        return pd.DataFrame(columns, dtype=object)


class _Found:
    """Problems gathered as (positions, column, value, message, hint) groups."""

    def __init__(self) -> None:
        self.groups: list[tuple[np.ndarray, str | None, object, str, str]] = []

    def add(
        self, position: int, column: str | None, value: object, message: str, hint: str
    ) -> None:
        self.add_all(np.array([position]), column, value, message, hint)

    def add_all(
        self, positions: np.ndarray, column: str | None, value: object, message: str, hint: str
    ) -> None:
        if len(positions):
            self.groups.append((positions, column, value, message, hint))

    def positions(self) -> np.ndarray:
        if not self.groups:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate([g[0] for g in self.groups]))

    def problems(self, source: str, rows: RowNumbers) -> list[RowProblem]:
        found = [
            (int(p), RowProblem(source, rows(int(p)), column, value, message, hint))
            for positions, column, value, message, hint in self.groups
            for p in positions
        ]
        found.sort(key=lambda pair: pair[0])  # stable: a row's problems keep rule order
        return [problem for _, problem in found]
