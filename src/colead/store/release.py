"""The submitted forms of a wave with whether each is published yet, and publishing them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from colead.store.schema import Assignment, Response


def _submitted(wave_id: int) -> Any:
    return (Assignment.wave_id == wave_id) & Response.submitted_at.is_not(None)


def waiting_ratees(session: Session, wave_id: int) -> list[int]:
    """The people with submitted forms in the wave that are not published yet."""
    return list(
        session.scalars(
            select(Assignment.ratee_id)
            .join(Response, Response.assignment_id == Assignment.id)
            .where(_submitted(wave_id), Response.released_at.is_(None))
            .distinct()
        )
    )


def anything_released(session: Session, wave_id: int) -> bool:
    """Whether any form of the wave is published."""
    found = session.execute(
        select(Response.id)
        .join(Assignment, Assignment.id == Response.assignment_id)
        .where(Assignment.wave_id == wave_id, Response.released_at.is_not(None))
        .limit(1)
    ).first()
    return found is not None


def release_all(session: Session, wave_id: int, at: datetime) -> int:
    """Publish every submitted form of the wave not yet published; how many."""
    ids = select(Assignment.id).where(Assignment.wave_id == wave_id).scalar_subquery()
    result = session.execute(
        update(Response)
        .where(
            Response.assignment_id.in_(ids),
            Response.submitted_at.is_not(None),
            Response.released_at.is_(None),
        )
        .values(released_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def submitted_forms(
    session: Session, wave_id: int, n_items: int, ratees: Sequence[int]
) -> tuple[pd.DataFrame, np.ndarray]:
    """``response_id, ratee, relation, released`` per submitted form about ``ratees``, and
    their item codes.

    ``ratee`` is the person's key; the codes are forms × items int8, in framework order.
    """
    rows: list[Any] = []
    chosen = list(ratees)
    for start in range(0, len(chosen), 5000):
        rows += session.execute(
            select(
                Response.id,
                Assignment.ratee_id,
                Assignment.relation,
                Response.released_at.is_not(None),
                Response.item_values,
            )
            .join(Assignment, Assignment.id == Response.assignment_id)
            .where(_submitted(wave_id), Assignment.ratee_id.in_(chosen[start : start + 5000]))
            .order_by(Assignment.ratee_id, Response.id)
        ).all()
    frame = pd.DataFrame(
        [r[:4] for r in rows], columns=["response_id", "ratee", "relation", "released"]
    )
    codes = np.frombuffer(b"".join(bytes(r[4]) for r in rows), dtype=np.int8)
    return frame, codes.reshape(len(rows), n_items)


def mark_released(session: Session, response_ids: Sequence[int], at: datetime) -> None:
    """Publish these forms' answers from ``at`` on."""
    ids = list(response_ids)
    for start in range(0, len(ids), 5000):
        session.execute(
            update(Response)
            .where(Response.id.in_(ids[start : start + 5000]))
            .values(released_at=at)
        )


def released_answers(
    session: Session, assignment_ids: Sequence[int]
) -> dict[int, tuple[bytes, str | None, str | None]]:
    """The published answers (codes, strengths, suggestions) of those of ``assignment_ids``
    that have any."""
    ids = list(assignment_ids)
    found: dict[int, tuple[bytes, str | None, str | None]] = {}
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(
                Response.assignment_id,
                Response.item_values,
                Response.comment_strengths,
                Response.comment_suggestions,
            ).where(
                Response.assignment_id.in_(ids[start : start + 5000]),
                Response.released_at.is_not(None),
            )
        )
        found.update({r[0]: (bytes(r[1]), r[2], r[3]) for r in rows})
    return found
