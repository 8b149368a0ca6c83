"""Checks shared by nominations and responses: who rates whom, and in which relation.

A row names its ratee and rater by id, e-mail or name (:mod:`colead.ingest.person_refs`)
and its relation by any label :mod:`colead.ingest.labels` knows. Then the pair must make
sense: a self-rating has the same person on both sides, a partner comes from the other
organisation, and only the line manager on record may answer as the manager (a manager's
answers are shown on their own, so a wrong label would expose someone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.domain import Relation
from colead.ingest.labels import LabelReader, label_key
from colead.ingest.mapping import Mapping
from colead.ingest.person_refs import PersonDirectory, Resolution
from colead.ingest.problems import ProblemLog, column_values, text
from colead.store.schema import Organisation, Person

__all__ = ["RATEE_COLUMNS", "RATER_COLUMNS", "Pair", "PairRules"]

T = TypeVar("T")
_SELF, _PARTNER, _MANAGER = Relation.self.value, Relation.partner.value, Relation.manager.value

#: Columns that may name the rated person, in the order they are tried, with what each
#: may hold (an id column may also hold an e-mail or a unique name).
RATEE_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ratee_id", ("id", "email", "name")),
    ("ratee_email", ("email",)),
    ("ratee_name", ("name",)),
)
RATER_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rater_id", ("id", "email", "name")),
    ("rater_email", ("email",)),
    ("rater_name", ("name",)),
)


class Pair(NamedTuple):
    """A checked row: ratee and rater person ids (external) and the relation name."""

    ratee: str
    rater: str
    relation: str


class PairRules:
    """Reads and checks the ratee, rater and relation of rows of one table."""

    def __init__(
        self,
        session: Session,
        review_id: int,
        log: ProblemLog,
        frame: pd.DataFrame,
        mapping: Mapping | None = None,
    ) -> None:
        rows = session.execute(
            select(Person.external_id, Person.id, Organisation.name, Person.manager_id)
            .join(Organisation, Organisation.id == Person.organisation_id)
            .where(Person.review_id == review_id)
        )
        self.ids: dict[str, int] = {}
        self.organisation: dict[str, str] = {}
        manager_of: dict[str, int] = {}
        for external, ident, organisation, manager in rows:
            self.ids[external] = ident
            self.organisation[external] = organisation
            if manager is not None:
                manager_of[external] = manager
        external_of = {ident: external for external, ident in self.ids.items()}
        self.line_manager = {p: external_of[m] for p, m in manager_of.items() if m in external_of}
        self.people = PersonDirectory(session, review_id)
        self.labels = LabelReader(
            mapping.relations if mapping else None, mapping.levels if mapping else None
        )
        self._answer_labels = {label_key(k) for k in (mapping.values if mapping else {})}
        self.log = log
        # Each distinct cell is read once: a file names the same people and labels on
        # thousands of rows.
        self._ratee = self._people_columns(frame, RATEE_COLUMNS)
        self._rater = self._people_columns(frame, RATER_COLUMNS)
        self._relation_codes, self._relations = _read(
            pd.Series(column_values(frame, "relation"), dtype=object), self._label
        )

    def _label(self, label: str) -> tuple[str, str | None]:
        return label, self.labels.relation(label)

    def _people_columns(
        self, frame: pd.DataFrame, columns: tuple[tuple[str, tuple[str, ...]], ...]
    ) -> list[tuple[str, list[int], list[Resolution | None]]]:
        found = []
        for name, kinds in columns:
            if name in frame.columns:

                def resolve(reference: str, kinds: tuple[str, ...] = kinds) -> Resolution:
                    return self.people.resolve(reference, kinds=kinds)

                found.append((name, *_read(frame[name], resolve)))
        return found

    def pair(self, position: int, row: int) -> Pair | None:
        """The checked pair of the row at ``position`` (file row ``row``), or None after
        logging every problem found."""
        before = len(self.log.report.problems)
        ratee = self._person(row, position, self._ratee, "ratee")
        rater = self._person(row, position, self._rater, "rater")
        read = self._relations[self._relation_codes[position]]
        label, relation = read if read is not None else (None, None)
        if relation is None:
            hint = f"Use one of: {self.labels.relation_choices()}."
            if label is not None and label_key(label) in self._answer_labels:
                hint += (
                    " Relation labels are mapped in the mapping file's 'relations:' section, "
                    "not 'values:'."
                )
            else:
                hint += " Other labels can be mapped in the mapping file's 'relations:' section."
            self.log(
                row,
                "relation",
                label,
                "is empty" if label is None else "is not a known relation",
                hint,
            )
        if len(self.log.report.problems) > before:
            return None
        assert ratee is not None and rater is not None and relation is not None
        if self._coherent(row, ratee, rater, relation):
            return Pair(ratee, rater, relation)
        return None

    def _person(
        self,
        row: int,
        position: int,
        columns: Sequence[tuple[str, list[int], list[Resolution | None]]],
        role: str,
    ) -> str | None:
        for column, codes, resolutions in columns:
            found = resolutions[codes[position]]
            if found is None:
                continue
            if found.person is None:
                self.log(row, column, found.reference, found.message, found.hint)
            return found.person
        named = columns[0][0] if columns else f"{role}_id"
        self.log(
            row,
            named,
            None,
            "is empty",
            f"Give the {role}'s person id, e-mail address or full name.",
        )
        return None

    def _coherent(self, row: int, ratee: str, rater: str, relation: str) -> bool:
        if (relation == _SELF) != (ratee == rater):
            self.log(
                row,
                "relation",
                relation,
                "self-ratings need the rater to be the ratee, and only they may have it"
                + (f" (rater {rater}, ratee {ratee})" if ratee != rater else ""),
                "Use relation 'self' exactly when the rater rates themself.",
            )
        elif relation == _PARTNER and (self.organisation[ratee] == self.organisation[rater]):
            self.log(
                row,
                "relation",
                relation,
                f"partner raters come from the other organisation, but both are in "
                f"{self.organisation[ratee]!r}",
                "Use 'peer' or 'other' for colleagues of the same organisation.",
            )
        elif relation == _MANAGER and self.line_manager.get(ratee, rater) != rater:
            # A line manager's answers are shown to the ratee on their own (the one exception
            # to the anonymity minimum besides self), so only the manager on record may be one.
            self.log(
                row,
                "relation",
                relation,
                f"{rater} is not the line manager on record of {ratee} "
                f"({self.line_manager[ratee]} is); a manager's answers are shown on their own",
                "Use 'peer', 'direct_report' or 'other' for anyone else, or correct "
                "manager_id in the people file first.",
            )
        else:
            return True
        return False


def _read(values: pd.Series, read: Callable[[str], T]) -> tuple[list[int], list[T | None]]:
    """Per cell, a code into the column's distinct values, each read once; a blank cell's
    code points at a trailing None."""
    codes, uniques = pd.factorize(values.reset_index(drop=True), use_na_sentinel=True)
    read_values: list[T | None] = []
    for unique in uniques:
        cell = text(unique)
        read_values.append(None if cell is None else read(cell))
    positions: list[int] = np.where(codes >= 0, codes, len(read_values)).tolist()
    read_values.append(None)
    return positions, read_values


def names_someone(frame: pd.DataFrame, columns: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    """Whether a table has any column that can name the person."""
    return any(name in frame.columns for name, _ in columns)
