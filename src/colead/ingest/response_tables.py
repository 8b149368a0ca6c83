"""Response tables in canonical layouts turned into packed answer codes.

Two steps, both vectorised so a 200,000-form file converts in seconds:

- :func:`long_to_wide` folds a long table (one row per answer) into one row per form
  (wave x ratee x rater), remembering which original rows made each form;
- :func:`wide_to_codes` converts a wide table's answers (numbers, scale labels, mapped
  labels, "not observed" spellings) into the int8 codes the store keeps.

Answer rules (:func:`wide_to_codes`):

- a blank cell (None, NaN, empty or all-space text) is :data:`~colead.domain.BLANK`, the
  rater skipped the item;
- an explicit "not observed" (the framework's ``not_observed_label`` in any case/spacing,
  ``NA`` / ``N/A`` in any case, or one of ``not_observed_codes`` exactly as written) is
  :data:`~colead.domain.NOT_OBSERVED`: the rater said they could not see the behaviour,
  which reports count apart from skipped items;
- a number equal to a scale point (``4``, ``"4"``, ``"4.0"``), a scale label in any
  case/spacing (``"almost  always"``), or a label of the mapping's ``values:`` section is
  that point; the mapping wins over everything else, so a user can re-read any spelling;
- anything else is a problem, and the whole form is rejected: storing the rest of it would
  silently change the rater's scale scores.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from colead.domain import BLANK, NOT_OBSERVED
from colead.errors import InvalidData
from colead.framework.model import Framework
from colead.ingest.mapping import Mapping
from colead.ingest.problems import RowNumbers, RowProblem, blank, map_unique

__all__ = ["META_COLUMNS", "AnswerReader", "long_to_wide", "wide_to_codes"]

#: Non-item columns carried through to ``meta``, in this order (``wave`` only when present).
META_COLUMNS = ("ratee_id", "rater_id", "relation", "comment_strengths", "comment_suggestions")

# Internal marker for a cell that is no answer; outside int8 so it can never be a real code.
_INVALID = -1000
_BUILTIN_NOT_OBSERVED = ("na", "n/a", "not observed")


def _key(value: object) -> str:
    """Case- and space-insensitive form of a label."""
    return " ".join(str(value).split()).lower()


class AnswerReader:
    """Converts one cell value to an answer code (or ``_INVALID``), caching every value seen.

    Built once per import: the lookup tables come from the framework's response scale and
    the mapping's ``values:`` section, which is validated here so a mapping error is
    reported once for the file rather than once per cell.
    """

    def __init__(self, framework: Framework, mapping: Mapping | None = None) -> None:
        scale = framework.response_scale
        self.points = frozenset(p.value for p in scale.points)
        self.low, self.high = scale.minimum, scale.maximum
        self.labels: dict[str, int] = {_key(p.label): p.value for p in scale.points}
        for word in (*_BUILTIN_NOT_OBSERVED, _key(scale.not_observed_label)):
            self.labels[word] = NOT_OBSERVED
        # Codes such as "NO" are matched exactly: matching them case-insensitively would
        # also read a plain "no" answer as "not observed".
        self.exact = frozenset(code.strip() for code in scale.not_observed_codes)
        self.mapped: dict[str, int] = {}
        for label, target in (mapping.values if mapping else {}).items():
            self.mapped[_key(label)] = self._mapped_code(label, target, scale.not_observed_label)
        self._cache: dict[tuple[type, Hashable], int] = {}
        described = ", ".join(f"{p.value} '{p.label}'" for p in scale.points)
        self.hint = (
            f"Allowed: {described}; '{scale.not_observed_label}' or NA for not observed; "
            "or leave it blank. Other labels can be mapped in the mapping file's 'values:' "
            "section."
        )

    def _mapped_code(self, label: str, target: int | str, not_observed_label: str) -> int:
        if isinstance(target, int) and not isinstance(target, bool):
            if target in self.points:
                return target
        elif _key(target) in ("not observed", _key(not_observed_label)):
            return NOT_OBSERVED
        raise InvalidData(
            f"Mapping 'values:' maps '{label}' to {target!r}, which is not an answer.",
            f"Map labels to a scale point {self.low}..{self.high} or to 'not observed'.",
        )

    def __call__(self, value: Any) -> int:
        try:
            cache_key: tuple[type, Hashable] = (type(value), value)
            hash(cache_key)
        except TypeError:
            return self._convert(value)
        code = self._cache.get(cache_key)
        if code is None:
            code = self._cache[cache_key] = self._convert(value)
        return code

    def _convert(self, value: Any) -> int:
        if blank(value):
            return BLANK
        if isinstance(value, bool | np.bool_):
            return _INVALID  # True/False would otherwise pass as 1/0
        if isinstance(value, float | np.floating):
            number = float(value)
        elif isinstance(value, int | np.integer):
            number = float(int(value))
        else:
            word = str(value).strip()
            key = _key(word)
            if key in self.mapped:
                return self.mapped[key]
            if word in self.exact:
                return NOT_OBSERVED
            if key in self.labels:
                return self.labels[key]
            try:
                number = float(word)
            except ValueError:
                return _INVALID
        if number.is_integer() and int(number) in self.points:
            return int(number)
        return _INVALID

    def message(self, value: Any) -> str:
        return f"not an answer on the {self.low}–{self.high} response scale"


def _column_codes(column: pd.Series, reader: AnswerReader) -> np.ndarray:
    """Codes of one column, converting each distinct value once (int16, may hold _INVALID)."""
    positions, uniques = pd.factorize(column, use_na_sentinel=True)
    converted = np.fromiter((reader(u) for u in uniques), dtype=np.int16, count=len(uniques))
    # Missing values (sentinel -1) are blanks; append BLANK so index -1 picks it.
    lookup = np.append(converted, np.int16(BLANK))
    codes: np.ndarray = lookup[positions]
    return codes


def wide_to_codes(
    wide: pd.DataFrame,
    framework: Framework,
    *,
    source: str,
    rows: RowNumbers,
    mapping: Mapping | None = None,
) -> tuple[pd.DataFrame, np.ndarray, list[RowProblem], list[int]]:
    """Convert a canonical wide response table into packed answer codes.

    Parameters
    ----------
    wide
        One row per form; columns ``ratee_id``, ``rater_id``, ``relation``, optional
        ``wave``, any subset of the framework's item ids (a missing item is blank for every
        form), ``comment_strengths``, ``comment_suggestions``. Other columns are ignored.
    framework
        Gives the item order of ``codes`` and the response scale.
    source
        File name used in problems.
    rows
        Turns a 0-based position in ``wide`` into the row number the user sees.
    mapping
        Its ``values:`` section maps extra answer labels to scale points.

    Returns
    -------
    meta : pandas.DataFrame
        The meta columns (``wave`` last, when present) of the accepted forms, index 0..n-1;
        a meta column absent from ``wide`` is all None.
    codes : numpy.ndarray
        int8, accepted forms x ``len(framework.item_ids)``, framework item order.
    problems : list of RowProblem
        One per unreadable cell, ordered by row then item.
    accepted : list of int
        Positions in ``wide`` of the accepted forms.

    Raises
    ------
    InvalidData
        When ``wide`` repeats a column name, or the mapping maps a label to a non-answer.
    """
    if not wide.columns.is_unique:
        repeated = sorted({str(c) for c in wide.columns[wide.columns.duplicated()]})
        raise InvalidData(
            f"{source}: the responses table repeats column(s) {', '.join(repeated)}.",
            "Each item may appear in one column only.",
        )
    reader = AnswerReader(framework, mapping)
    n = len(wide)
    item_ids = framework.item_ids
    all_codes = np.full((n, len(item_ids)), BLANK, dtype=np.int16)
    for index, item_id in enumerate(item_ids):
        if item_id in wide.columns:
            all_codes[:, index] = _column_codes(wide[item_id], reader)
    bad_cells = all_codes == _INVALID
    rejected = bad_cells.any(axis=1)
    problems: list[RowProblem] = []
    # np.nonzero walks row by row, so problems come out in row then item order.
    for position, index in zip(*np.nonzero(bad_cells), strict=True):
        item_id = item_ids[index]
        value = wide[item_id].iat[position]
        problems.append(
            RowProblem(
                source,
                rows(int(position)),
                item_id,
                value,
                f"{reader.message(value)}; the form was not stored",
                reader.hint,
            )
        )
    accepted = np.flatnonzero(~rejected)
    meta_columns = [*META_COLUMNS, *(["wave"] if "wave" in wide.columns else [])]
    meta = pd.DataFrame(
        {
            name: (
                wide[name].iloc[accepted].to_numpy(dtype=object)
                if name in wide.columns
                else np.full(len(accepted), None, dtype=object)
            )
            for name in meta_columns
        }
    )
    codes = all_codes[accepted].astype(np.int8)
    return meta, codes, problems, [int(p) for p in accepted]


# --------------------------------------------------------------------------- long to wide

_KEYS = ("wave", "ratee_id", "rater_id")


def _clean_text(series: pd.Series) -> pd.Series:
    """Stripped text, None for blanks (keeps ' A1' and 'A1' one person)."""
    return map_unique(series, lambda v: None if blank(v) else str(v).strip())


def _answer_key(series: pd.Series) -> pd.Series:
    """A comparable form of an answer: '4', 4 and '4.0' are one answer, labels ignore case."""
    words = map_unique(series, lambda v: "" if blank(v) else _key(v))
    numbers = pd.to_numeric(words, errors="coerce")
    return words.where(numbers.isna(), numbers.astype(str))


def long_to_wide(
    long: pd.DataFrame,
    *,
    source: str,
    rows: RowNumbers,
    framework: Framework | None = None,
) -> tuple[pd.DataFrame, list[RowProblem], dict[int, list[int]]]:
    """Fold a long response table (one answer per row) into one row per form.

    Parameters
    ----------
    long
        Canonical columns ``ratee_id``, ``rater_id``, ``relation``, ``item_id``, ``value``,
        optional ``wave``, ``comment_strengths``, ``comment_suggestions`` (the first
        non-blank comment of a form is kept).
    source
        File name used in problems.
    rows
        Turns a 0-based position in ``long`` into the row number the user sees.
    framework
        When given, item ids not in it are problems (with similar ids as a hint) and the
        item columns follow its order; without it every item id becomes a column.

    Returns
    -------
    wide : pandas.DataFrame
        One row per accepted form, in order of first appearance: ``ratee_id``,
        ``rater_id``, ``relation``, comments, ``wave`` (when present), then item columns.
        Values are kept as read; :func:`wide_to_codes` converts them.
    problems : list of RowProblem
        A blank ratee/rater/item id; an item answered twice with different values (on the
        later row); a relation that differs from the form's first one; an unknown item id.
        A form with any problem is not folded at all, and each of its other rows gets a
        problem too, so the whole form is quarantined together (storing part of it would
        change the rater's scores).
    origin : dict of int to list of int
        For each ``wide`` position, the positions in ``long`` its form came from.
    """
    missing = [c for c in ("ratee_id", "rater_id", "relation", "item_id", "value") if c not in long]
    if missing:
        raise InvalidData(
            f"{source}: the long responses table has no column {', '.join(missing)}.",
            "Long tables need ratee_id, rater_id, relation, item_id and value.",
        )
    keys = [k for k in _KEYS if k in long.columns]
    frame = pd.DataFrame({k: _clean_text(long[k]) for k in keys})
    frame["item_id"] = _clean_text(long["item_id"]).map(lambda v: None if v is None else v.lower())
    frame["relation"] = _clean_text(long["relation"])
    frame["value"] = long["value"].to_numpy(dtype=object)
    for comment in ("comment_strengths", "comment_suggestions"):
        frame[comment] = _clean_text(long[comment]) if comment in long else None
    frame.index = pd.RangeIndex(len(frame))
    frame["_form"] = frame.groupby(keys, sort=False, dropna=False).ngroup()

    found: list[tuple[int, str, Any, str, str]] = []  # position, column, value, message, hint

    no_id = frame["ratee_id"].isna() | frame["rater_id"].isna()
    for pos in map(int, np.flatnonzero(no_id)):
        found.append((pos, "ratee_id", None, "ratee_id or rater_id is blank", "Fill in both."))
    no_item = frame["item_id"].isna() & ~no_id
    for pos in map(int, np.flatnonzero(no_item)):
        found.append((pos, "item_id", None, "item_id is blank", "Name the item answered."))

    if framework is not None:
        known = set(framework.item_ids)
        unknown = frame["item_id"].notna() & ~frame["item_id"].isin(known)
        for item_id, positions in frame[unknown].groupby("item_id").groups.items():
            close = difflib.get_close_matches(str(item_id), framework.item_ids, n=3, cutoff=0.6)
            hint = (
                f"Did you mean {', '.join(close)}?"
                if close
                else f"Item ids look like {framework.item_ids[0]}."
            )
            for pos in positions:
                found.append((int(pos), "item_id", item_id, f"unknown item '{item_id}'", hint))

    answers = frame["item_id"].notna()
    answer_key = _answer_key(frame["value"])
    pair = ["_form", "item_id"]
    first_key = answer_key[answers].groupby([frame["_form"], frame["item_id"]]).transform("first")
    repeated = answers & frame.duplicated(pair, keep="first")
    conflict = repeated & (answer_key != first_key.reindex(frame.index))
    for pos in map(int, np.flatnonzero(conflict)):
        found.append(
            (
                pos,
                "value",
                frame["value"].iat[pos],
                f"item '{frame['item_id'].iat[pos]}' is answered again with a different value",
                "Keep one answer per item and rater.",
            )
        )

    first_relation = frame.groupby("_form")["relation"].transform("first")
    relation_clash = frame["relation"].notna() & (
        frame["relation"].str.lower() != first_relation.str.lower()
    )
    for pos in map(int, np.flatnonzero(relation_clash)):
        found.append(
            (
                pos,
                "relation",
                frame["relation"].iat[pos],
                f"relation differs from this form's first row ('{first_relation.iat[pos]}')",
                "One rater has one relation to a ratee within a wave.",
            )
        )

    problems = [RowProblem(source, rows(int(p)), c, v, m, h) for p, c, v, m, h in found]
    problem_positions = {int(p) for p, *_ in found}
    bad_forms = set(frame["_form"].iloc[sorted(problem_positions)])
    bad_rows = frame["_form"].isin(bad_forms).to_numpy()
    for pos in map(int, np.flatnonzero(bad_rows)):
        if int(pos) not in problem_positions:
            problems.append(
                RowProblem(
                    source,
                    rows(int(pos)),
                    None,
                    None,
                    "another row of this form has a problem, so the form was not stored",
                    "Fix the other row(s) of this ratee and rater and import again.",
                )
            )
    problems.sort(key=lambda p: p.row if p.row is not None else -1)

    good = frame[~bad_rows]
    origin_by_form = good.groupby("_form", sort=False).indices
    forms = list(origin_by_form)
    answered = good[good["item_id"].notna()].drop_duplicates(pair, keep="first")
    items = answered.pivot(index="_form", columns="item_id", values="value")
    if framework is not None:
        order = [i for i in framework.item_ids if i in items.columns]
    else:
        order = list(dict.fromkeys(answered["item_id"]))
    items = items.reindex(index=forms, columns=order)
    meta = good.groupby("_form", sort=False)[
        [*keys, "relation", "comment_strengths", "comment_suggestions"]
    ].first()
    meta = meta.reindex(forms)
    columns = [*META_COLUMNS, *(["wave"] if "wave" in keys else [])]
    wide = pd.concat([meta[columns], items], axis=1).astype(object)
    wide = wide.where(wide.notna(), None).reset_index(drop=True)
    wide.columns.name = None
    origin = {
        position: [int(p) for p in good.index[origin_by_form[form]]]
        for position, form in enumerate(forms)
    }
    return wide, problems, origin
