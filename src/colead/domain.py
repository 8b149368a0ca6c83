"""Small shared vocabulary of the domain: relations, statuses, response codes, quadrants."""

from __future__ import annotations

from enum import StrEnum


class Relation(StrEnum):
    """How a rater stands to the person rated."""

    self = "self"
    manager = "manager"
    peer = "peer"
    direct_report = "direct_report"
    #: someone in the *other* organisation of the relationship
    partner = "partner"
    other = "other"

    @property
    def label(self) -> str:
        return RELATION_LABELS[self]


RELATION_LABELS: dict[Relation, str] = {
    Relation.self: "Self",
    Relation.manager: "Line manager",
    Relation.peer: "Peers",
    Relation.direct_report: "Direct reports",
    Relation.partner: "Partner organisation",
    Relation.other: "Others",
}

#: Relations shown individually whatever their size: the person themself and the one
#: line manager, who are identifiable by definition. Every other group obeys the minimum.
ALWAYS_SHOWN = frozenset({Relation.self, Relation.manager})


class OrganisationRole(StrEnum):
    client = "client"
    supplier = "supplier"
    partner = "partner"


class WaveStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


LEVEL_LABELS: dict[int, str] = {
    1: "Executive",
    2: "Senior manager",
    3: "Manager",
    4: "Team leader",
    5: "Front line",
}

# Response vectors are stored packed as int8, one per answered form, in the item order of
# the framework version. Scale points are 0..100; the two negative codes keep "skipped"
# apart from "not observed", which the reports count separately.
BLANK = -1
NOT_OBSERVED = -2


#: the four quadrants of the "passion and system" continuum (leadership x management)
QUADRANTS = ("both", "passion_without_system", "system_without_passion", "neither")
QUADRANT_LABELS = {
    "both": "Passion and system",
    "passion_without_system": "Passion without system",
    "system_without_passion": "System without passion",
    "neither": "Neither passion nor system",
}
