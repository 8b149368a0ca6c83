"""Norm sets: per-scale reference distributions for benchmarking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from colead.store.schema import Norm, NormSet, table_of

PERCENTILE_COLUMNS = ("p5", "p10", "p25", "p50", "p75", "p90", "p95")


def replace_norm_set(
    session: Session,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    source: str | None,
    synthetic: bool,
) -> NormSet:
    """Create the norm set ``name`` or replace all its rows (one row per scale)."""
    norm_set = session.scalars(select(NormSet).where(NormSet.name == name)).one_or_none()
    if norm_set is None:
        norm_set = NormSet(name=name)
        session.add(norm_set)
    norm_set.source = source
    norm_set.synthetic = synthetic
    session.flush()
    session.execute(delete(Norm).where(Norm.norm_set_id == norm_set.id))
    if rows:
        session.execute(
            insert(table_of(Norm)), [{"norm_set_id": norm_set.id} | dict(r) for r in rows]
        )
    return norm_set


def list_norm_sets(session: Session) -> list[NormSet]:
    return list(session.scalars(select(NormSet).order_by(NormSet.name)))


def norm_rows(session: Session, name: str) -> tuple[NormSet, list[dict[str, Any]]] | None:
    """A norm set and its rows as plain dicts, or None when it does not exist."""
    norm_set = session.scalars(select(NormSet).where(NormSet.name == name)).one_or_none()
    if norm_set is None:
        return None
    rows = session.scalars(
        select(Norm).where(Norm.norm_set_id == norm_set.id).order_by(Norm.scale_id)
    )
    columns = ("scale_id", "n", "mean", "sd", *PERCENTILE_COLUMNS)
    return norm_set, [{c: getattr(r, c) for c in columns} for r in rows]
