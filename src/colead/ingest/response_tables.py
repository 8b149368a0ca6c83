"""Wide response tables (one row per form) turned into packed answer codes.

:func:`wide_to_codes` converts a wide table's answers (numbers, scale labels, mapped
labels, "not observed" spellings) into the int8 codes the store keeps, converting each
distinct value once. Long tables are folded by :mod:`colead.ingest.long_responses`, which
reads answers with the same :class:`AnswerReader`.

Answer rules:

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

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from colead.domain import BLANK, NOT_OBSERVED
from colead.errors import InvalidData
from colead.framework.model import Framework
from colead.ingest.mapping import Mapping
from colead.ingest.problems import RowNumbers, RowProblem, blank

__all__ = ["INVALID_ANSWER", "META_COLUMNS", "AnswerReader", "wide_to_codes"]

#: Non-item columns carried through to ``meta``, in this order (``wave`` only when present).
META_COLUMNS = ("ratee_id", "rater_id", "relation", "comment_strengths", "comment_suggestions")
#: Carried through after them only when present: other ways of naming people
#: (:mod:`colead.ingest.pairs`) and the tool's completion columns
#: (:mod:`colead.ingest.completion`).
OPTIONAL_META_COLUMNS = (
    "ratee_email", "ratee_name", "rater_email", "rater_name",
    "completed", "progress", "submitted_at", "recorded_at", "wave",
)  # fmt: skip

#: Marker for a cell that is no answer; outside int8 so it can never be a real code.
INVALID_ANSWER = -1000
_BUILTIN_NOT_OBSERVED = ("na", "n/a", "not observed")


def _key(value: object) -> str:
    """Case- and space-insensitive form of a label."""
    return " ".join(str(value).split()).lower()


class AnswerReader:
    """Converts one cell value to an answer code (or ``INVALID_ANSWER``), caching every value seen.

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
            return INVALID_ANSWER  # True/False would otherwise pass as 1/0
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
                return INVALID_ANSWER
        if number.is_integer() and int(number) in self.points:
            return int(number)
        return INVALID_ANSWER

    def message(self, value: Any) -> str:
        return f"not an answer on the {self.low}–{self.high} response scale"


def _column_codes(column: pd.Series, reader: AnswerReader) -> np.ndarray:
    """Codes of one column, converting each distinct value once (int16, may hold INVALID_ANSWER)."""
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
        The meta columns (then those of ``OPTIONAL_META_COLUMNS`` present in ``wide``) of
        the accepted forms, index 0..n-1; a meta column absent from ``wide`` is all None.
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
    bad_cells = all_codes == INVALID_ANSWER
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
    meta_columns = [*META_COLUMNS, *(c for c in OPTIONAL_META_COLUMNS if c in wide.columns)]
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
