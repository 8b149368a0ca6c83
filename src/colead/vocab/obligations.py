"""Role-only guidance: sentences where a role, not a behaviour, carries the obligation.

The paper's point is that guidance which says "senior leaders shall …" or "management
should …" hangs the duty on a title, whereas behaviour statements say what is to be done
("lead the review", "managing risk is …"). :func:`role_obligation` finds the first kind:
a role noun of a family (leader, leaders, management, leadership, managers …), perhaps
with a qualifier before it ("senior", "top", "line") and a short "of …" phrase after it,
directly followed by an obligation ("shall", "should", "must", "will", "need(s) to",
"is/are responsible for", "is/are required to", "is/are expected to", "has/have to",
"ought to"). The role must start the clause — the sentence, or after a comma, semicolon,
colon or "and"/"that"/"where"/"the" — so "work with managers who should …" does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OBLIGATION = (
    r"(?P<obligation>shall|should|must|will|needs? to|(?:is|are) (?:responsible for|"
    r"accountable for|required to|expected to)|ha(?:s|ve) to|ought to)"
)
_QUALIFIERS = (
    r"(?:(?:the|all|its|their|our|each|every|any|senior|top|line|middle|executive|"
    r"organisation's|organization's|organizational|organisational|relationship|project|"
    r"programme|program|site|team|account|contract|partner|supplier|client|"
    r"the organization's|the organisation's)\s+){0,3}"
)


@dataclass(frozen=True, slots=True)
class RoleObligation:
    """A sentence whose obligation falls on a role: the role phrase and the obligation."""

    role: str
    obligation: str


def role_pattern(roles: frozenset[str]) -> re.Pattern[str]:
    """The regular expression for an obligation on one of ``roles`` (role nouns)."""
    alternatives = "|".join(sorted((re.escape(r) for r in roles), key=len, reverse=True))
    return re.compile(
        r"(?:^|[,;:(]\s*|\b(?:and|that|where|then)\s+)"
        rf"(?P<role>{_QUALIFIERS}(?:{alternatives})(?:['’]s?)?"
        r"(?:\s+(?:team|teams|board|of\s+(?:the\s+)?\w+(?:\s+\w+)?))?)"
        rf"\s+{_OBLIGATION}\b",
        re.IGNORECASE,
    )


def role_obligation(sentence: str, pattern: re.Pattern[str]) -> RoleObligation | None:
    """The role and obligation when ``sentence`` puts an obligation on a role, else None."""
    match = pattern.search(sentence.replace("’", "'"))
    if match is None:
        return None
    role = " ".join(match.group("role").split())
    return RoleObligation(role, match.group("obligation").lower())
