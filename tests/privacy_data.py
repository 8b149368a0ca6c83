"""A stored review where one person has a row in every table that can hold something
about them, and a scan of every stored value for a person's identifiers."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, MetaData, select

from colead.analysis import analyse_wave
from colead.store import transaction
from colead.store.reviews import audit, get_review, load_framework_version
from colead.store.schema import (
    Action,
    Assignment,
    Enrolment,
    Person,
    Programme,
    Response,
    Wave,
)
from colead.store.schema_console import MailEvent, Nomination, ParticipantLink
from colead.store.schema_development import ProgrammeReaction
from colead.store.waves import get_wave, load_wave_data
from reliability.databases import sibling_database
from reliability.stored_review import store_populated_review

POSTGRES_ENV = "COLEAD_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@contextmanager
def populated_database(backend: str, folder: Path, seed: int = 3) -> Iterator[tuple[str, str]]:
    """(URL, review name) of a new database on ``backend`` holding a small simulated
    review (tests/reliability/stored_review.py); dropped afterwards on PostgreSQL."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'privacy.db'}"
        yield url, store_populated_review(url, seed=seed)
        return
    with sibling_database(os.environ[POSTGRES_ENV], folder) as url:
        yield url, store_populated_review(url, seed=seed)


@dataclass(frozen=True)
class Identity:
    pk: int
    external_id: str
    name: str
    email: str


def _token() -> str:
    return hashlib.sha256(os.urandom(16)).hexdigest()


def add_personal_rows(engine: Engine, review: str, person: str, other: str) -> Identity:
    """Give ``person`` a row in every person table, with ``other`` as the second party:
    nominations both ways (one by e-mail only), a participant link, e-mails, an enrolment
    with a reaction, others' free text quoting them and audit entries naming them."""
    with transaction(engine) as session:
        target = get_review(session, review)
        people = {
            p.external_id: p
            for p in session.scalars(
                select(Person).where(
                    Person.review_id == target.id, Person.external_id.in_([person, other])
                )
            )
        }
        me, them = people[person], people[other]
        assert me.email is not None
        wave = session.scalars(
            select(Wave).where(Wave.review_id == target.id).order_by(Wave.ordinal)
        ).first()
        assert wave is not None
        session.add_all(
            [
                Nomination(wave_id=wave.id, ratee_id=me.id, relation="peer", rater_id=them.id),
                Nomination(
                    wave_id=wave.id, ratee_id=them.id, relation="peer", rater_id=me.id,
                    rater_name=me.name, rater_email=me.email, note=f"{me.name} knows the site",
                ),
                Nomination(
                    wave_id=wave.id, ratee_id=them.id, relation="partner",
                    rater_name=me.name, rater_email=me.email.upper(),
                ),
                ParticipantLink(wave_id=wave.id, person_id=me.id, token_hash=_token()),
                MailEvent(
                    review_id=target.id, wave_id=wave.id, person_id=me.id, email=me.email,
                    kind="invitation", status="sent", detail=f"250 accepted for {me.email}",
                ),
                MailEvent(
                    review_id=target.id, wave_id=wave.id, email=me.email, kind="reminder",
                    status="bounced",
                ),
                Action(
                    review_id=target.id, description=f"Pair {me.name} with the site leads",
                    owner=me.name,
                ),
            ]
        )  # fmt: skip
        programme = session.scalars(select(Programme).where(Programme.review_id == target.id))
        enrolment = Enrolment(programme_id=programme.one().id, person_id=me.id, completed=True)
        session.add(enrolment)
        session.flush()
        session.add(
            ProgrammeReaction(
                enrolment_id=enrolment.id, token_hash=_token(), answers={"useful": 4},
                comment="The partner visits were the best part.",
            )
        )  # fmt: skip
        # someone else's comment about a third person quotes them by name
        quoted = session.scalars(
            select(Response)
            .join(Assignment, Assignment.id == Response.assignment_id)
            .where(
                Assignment.wave_id == wave.id,
                Assignment.ratee_id == them.id,
                Assignment.rater_id != me.id,
            )
            .limit(1)
        ).one()
        quoted.comment_strengths = f"Works well with {me.name.upper()} on handovers."
        audit(session, f"participant:{me.external_id}", "nominate", "nomination",
              review_id=target.id, rater=them.name, relation="peer")  # fmt: skip
        audit(session, "cli", "create", "person", me.id, review_id=target.id,
              external_id=me.external_id)  # fmt: skip
        audit(session, "cli", "create", "assignment", 1, review_id=target.id,
              ratee_id=me.external_id, rater_id=them.external_id, relation="peer")  # fmt: skip
        audit(session, "admin@consultancy.test", "update", "person", me.id, review_id=target.id,
              note=f"e-mail changed to {me.email} at {me.name}'s request")  # fmt: skip
        return Identity(me.id, me.external_id, me.name, me.email)


def person_scores(engine: Engine, review: str, wave: str) -> pd.DataFrame:
    """Every rated person's shown group scores in one wave, in a stable order (the wave
    alone is analysed: the evaluation against earlier waves is not needed here)."""
    with transaction(engine) as session:
        target = get_review(session, review)
        row = get_wave(session, target, wave)
        data = load_wave_data(
            session, target, row, load_framework_version(session, row.framework_version_id)
        )
    table = analyse_wave(data, 3).person_scores.table
    return table.sort_values(["ratee_id", "scale_id", "group"]).reset_index(drop=True)


def stored_mentions(engine: Engine, *needles: str) -> list[str]:
    """``table.column`` of every stored value (any table, any column, binary values
    aside) that contains one of ``needles`` as a whole word, in any case."""
    joined = "|".join(re.escape(n) for n in needles)
    pattern = re.compile(rf"(?<!\w)(?:{joined})(?!\w)", re.I)
    metadata = MetaData()
    metadata.reflect(engine)
    found = []
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, bytes | memoryview):
                        continue
                    if pattern.search(str(value)):
                        found.append(f"{name}.{column}")
    return sorted(set(found))
