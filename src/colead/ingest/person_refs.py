"""Who is who in an imported row: a person named by id, by e-mail or by name.

Survey tools rarely carry colead's person ids. Microsoft Forms and Google Forms give the
rated person as the name picked from a list and the rater as the signed-in e-mail; an HR
sheet gives ids. A reference is read in this order, each tried only when the one before
does not match:

1. the person id, exactly as imported;
2. the e-mail address, without case;
3. the full name, without case, accents or repeated spaces, when exactly one person of the
   review has it. A name shared by several people is refused with the candidates listed,
   because guessing would put one person's feedback in another's report.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.store.schema import Person

__all__ = ["PersonDirectory", "Resolution", "name_key"]


def name_key(name: object) -> str:
    """A name as compared: case-folded, without accents, single spaces ("  ZOE  brennan" =
    "Zoë Brennan"); people type names without the accents their HR record has."""
    decomposed = unicodedata.normalize("NFKD", str(name).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare).split())


@dataclass(frozen=True)
class Resolution:
    """The person a reference names (``person`` is their id), or why none is taken."""

    person: str | None
    #: how it matched: "id", "email" or "name"; empty when it did not
    by: str = ""
    #: the reference as written
    reference: str = ""
    #: when ``person`` is None: what is wrong, and how to fix it
    message: str = ""
    hint: str = ""


class PersonDirectory:
    """The people of one review, indexed by id, e-mail and name."""

    def __init__(self, session: Session, review_id: int) -> None:
        rows = session.execute(
            select(Person.external_id, Person.email, Person.name).where(
                Person.review_id == review_id
            )
        )
        self.ids: set[str] = set()
        self.names_of: dict[str, str] = {}
        self._emails: dict[str, str] = {}
        self._names: dict[str, list[str]] = {}
        for external, email, name in rows:
            self.ids.add(external)
            self.names_of[external] = name
            if email:
                self._emails[str(email).strip().lower()] = external
            self._names.setdefault(name_key(name), []).append(external)
        self._cache: dict[tuple[str, str], Resolution] = {}
        # Similar names are looked for on the first unknown references only: each search
        # scans the whole review, and a file of people not imported yet has thousands.
        self._searches_left = 10

    def resolve(
        self, reference: str, *, kinds: tuple[str, ...] = ("id", "email", "name")
    ) -> Resolution:
        """The person ``reference`` names, trying ``kinds`` in order (see the module)."""
        key = (reference, ",".join(kinds))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = replace(self._resolve(reference, kinds), reference=reference)
        return found

    def _resolve(self, reference: str, kinds: tuple[str, ...]) -> Resolution:
        if "id" in kinds and reference in self.ids:
            return Resolution(reference, "id")
        if "email" in kinds and "@" in reference:
            person = self._emails.get(reference.strip().lower())
            if person is not None:
                return Resolution(person, "email")
        if "name" in kinds:
            candidates = self._names.get(name_key(reference), [])
            if len(candidates) == 1:
                return Resolution(candidates[0], "name")
            if len(candidates) > 1:
                listed = ", ".join(sorted(candidates))
                return Resolution(
                    None,
                    message=f"names {len(candidates)} people in this review (ids {listed})",
                    hint="Give the person's id or e-mail instead of the name.",
                )
        return Resolution(None, message=self._unknown(kinds), hint=self._hint(reference, kinds))

    @staticmethod
    def _unknown(kinds: tuple[str, ...]) -> str:
        said = {"id": "id", "email": "e-mail", "name": "name"}
        return (
            "is not a person in this review (no person has this "
            f"{' or '.join(said[k] for k in kinds)})"
        )

    def _hint(self, reference: str, kinds: tuple[str, ...]) -> str:
        close: list[str] = []
        self._searches_left -= 1
        search = self._searches_left >= 0
        if search and "name" in kinds:
            names = difflib.get_close_matches(name_key(reference), list(self._names), n=3)
            close = [f"{self.names_of[p]} ({p})" for n in names for p in self._names[n]][:3]
        elif search and "id" in kinds:
            close = difflib.get_close_matches(reference, list(self.ids), n=3)
        similar = f" Similar: {', '.join(close)}." if close else ""
        return (
            "Import the person first (colead import people), or correct the reference: "
            f"a person id, an e-mail address or a full name as in the people file.{similar}"
        )
