"""Relation and level labels as people write them, read as colead's relations and levels.

A survey tool or an HR system rarely says ``direct_report`` or ``2``: it says "Direct
report", "I report to this person", "Senior Manager" or "Grade 2". Each label is compared
without case, accents, punctuation or extra spaces against a built-in list of English
synonyms; a mapping file's ``relations:`` and ``levels:`` sections come first, so any other
wording can be added. A label that matches nothing is refused with the accepted values.

Where a label is ambiguous in the world (is a "Supervisor" a team leader or a manager?)
the list takes the usual reading of an org chart, and the documentation
(docs/importing.md) shows every synonym so a user can map the other reading.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Mapping as MappingType

from colead.domain import LEVEL_LABELS, RELATION_LABELS, Relation
from colead.errors import InvalidData

__all__ = [
    "LEVEL_SYNONYMS",
    "RELATION_SYNONYMS",
    "LabelReader",
    "label_key",
]

RELATION_SYNONYMS: dict[Relation, tuple[str, ...]] = {
    Relation.self: (
        "self",
        "myself",
        "me",
        "self assessment",
        "self-assessment",
        "self rating",
        "self evaluation",
        "this is my self-assessment",
        "this is me",
        "i am rating myself",
        "own rating",
    ),
    Relation.manager: (
        "manager",
        "line manager",
        "line-manager",
        "direct manager",
        "my direct report",
        "i am their manager",
        "i am their line manager",
        "i manage this person",
        "boss",
        "supervisor",
        "reports to",
    ),
    Relation.peer: (
        "peer",
        "peers",
        "colleague",
        "colleagues",
        "co-worker",
        "coworker",
        "peer (same organisation)",
        "peer (same organization)",
        "peer same organisation",
        "peer in my organisation",
        "colleague in the same organisation",
        "we work at the same level",
    ),
    Relation.direct_report: (
        "direct report",
        "direct reports",
        "direct-report",
        "report",
        "subordinate",
        "team member",
        "my manager",
        "i report to this person",
        "i report to them",
        "this person is my manager",
        "this person is my line manager",
    ),
    Relation.partner: (
        "partner",
        "partners",
        "partner organisation",
        "partner organization",
        "partner (other organisation)",
        "partner (other organization)",
        "other organisation",
        "other organization",
        "from the partner organisation",
        "from the other organisation",
        "external partner",
        "partner colleague",
        "counterpart",
    ),
    Relation.other: (
        "other",
        "others",
        "other colleague",
        "stakeholder",
        "internal stakeholder",
        "other (same organisation)",
    ),
}

LEVEL_SYNONYMS: dict[int, tuple[str, ...]] = {
    1: (
        "executive",
        "executives",
        "director",
        "board",
        "board member",
        "c-suite",
        "c-level",
        "chief executive",
        "vice president",
        "vp",
        "senior leadership team",
        "slt",
    ),
    2: (
        "senior manager",
        "senior management",
        "head of department",
        "general manager",
        "associate director",
        "programme director",
        "program director",
    ),
    3: ("manager", "middle manager", "middle management", "department manager", "project manager"),
    4: (
        "team leader",
        "team lead",
        "first-line manager",
        "first line manager",
        "supervisor",
        "shift leader",
        "foreman",
        "section leader",
    ),
    5: (
        "front line",
        "frontline",
        "front-line",
        "front line staff",
        "operative",
        "operator",
        "staff",
        "employee",
        "individual contributor",
        "technician",
        "associate",
    ),
}


def label_key(label: object) -> str:
    """A label without case, accents, punctuation or repeated spaces ("Line-Manager " ->
    "line manager"); brackets and their content are kept apart from other words."""
    folded = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^0-9a-z()]+", " ", folded.lower()).split())


_LEVEL_NUMBER = re.compile(r"^(?:level|grade|band|l|g)?([1-5])$")


class LabelReader:
    """Reads relation and level labels: mapping first, then colead's names, then synonyms.

    Parameters
    ----------
    relations
        A mapping file's ``relations:`` section (label -> relation name or synonym).
    levels
        A mapping file's ``levels:`` section (label -> level 1..5 or its name).
    """

    def __init__(
        self,
        relations: MappingType[str, str] | None = None,
        levels: MappingType[str, int | str] | None = None,
    ) -> None:
        self._relations: dict[str, str] = {}
        for relation, words in RELATION_SYNONYMS.items():
            for word in (relation.value, relation.value.replace("_", " "), *words):
                self._relations.setdefault(label_key(word), relation.value)
            self._relations.setdefault(label_key(RELATION_LABELS[relation]), relation.value)
        self._levels: dict[str, int] = {}
        for level, words in LEVEL_SYNONYMS.items():
            for word in (LEVEL_LABELS[level], *words):
                self._levels.setdefault(label_key(word), level)
        mapped_relations: dict[str, str] = {}
        for label, target in (relations or {}).items():
            named = self._relations.get(label_key(target))
            if named is None:
                raise InvalidData(
                    f"Mapping 'relations:' maps '{label}' to {target!r}, which is not a relation.",
                    f"Map relation labels to one of {', '.join(r.value for r in Relation)}.",
                )
            mapped_relations[label_key(label)] = named
        mapped_levels: dict[str, int] = {}
        for label, value in (levels or {}).items():
            number = self._level_of(value)
            if number is None:
                raise InvalidData(
                    f"Mapping 'levels:' maps '{label}' to {value!r}, which is not a level.",
                    f"Map level labels to 1..5 ({self.level_choices()}).",
                )
            mapped_levels[label_key(label)] = number
        self._read_relations: dict[object, str | None] = {}
        # The mapping wins over the built-in lists, so a user can read "Supervisor" as 3.
        self._relations.update(mapped_relations)
        self._levels.update(mapped_levels)

    def relation(self, label: object) -> str | None:
        """colead's relation name for a label, or None when it is not one."""
        if label is None:
            return None
        # A file repeats a handful of labels on every row: read each one once.
        try:
            return self._read_relations[label]
        except (KeyError, TypeError):
            found = self._relations.get(label_key(label))
        with contextlib.suppress(TypeError):
            self._read_relations[label] = found
        return found

    def level(self, label: object) -> int | None:
        """The level 1..5 a label or number names, or None."""
        if label is None or isinstance(label, bool):
            return None
        return self._level_of(label)

    def _level_of(self, value: object) -> int | None:
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value.strip())
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            return int(number) if number.is_integer() and 1 <= number <= 5 else None
        key = label_key(value)
        if key in self._levels:
            return self._levels[key]
        match = _LEVEL_NUMBER.match(key.replace(" ", ""))
        return int(match.group(1)) if match else None

    @staticmethod
    def relation_choices() -> str:
        """The accepted relation values with a few of their labels, for messages."""
        return "; ".join(
            f"{relation.value} ({', '.join(repr(w) for w in words)})"
            for relation, words in _RELATION_EXAMPLES.items()
        )

    @staticmethod
    def level_choices() -> str:
        """The accepted level values with a few of their labels, for messages."""
        return "; ".join(
            f"{level} '{LEVEL_LABELS[level]}' ({', '.join(words)})"
            for level, words in _LEVEL_EXAMPLES.items()
        )


_RELATION_EXAMPLES: dict[Relation, tuple[str, ...]] = {
    Relation.self: ("Self", "Self-assessment"),
    Relation.manager: ("Line manager", "Supervisor"),
    Relation.peer: ("Peer", "Colleague"),
    Relation.direct_report: ("Direct report", "Team member"),
    Relation.partner: ("Partner organisation", "Counterpart"),
    Relation.other: ("Other", "Stakeholder"),
}
_LEVEL_EXAMPLES: dict[int, tuple[str, ...]] = {
    1: ("Director", "Board member"),
    2: ("Head of department", "General manager"),
    3: ("Middle manager", "Project manager"),
    4: ("Team lead", "Supervisor"),
    5: ("Operative", "Staff"),
}
