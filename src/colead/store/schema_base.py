"""What every table module of the schema shares: the declarative base and its conventions.

The core tables (:mod:`colead.store.schema`), the console's (:mod:`colead.store.schema_console`)
and the development loop's (:mod:`colead.store.schema_development`) all register on
``Base.metadata``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.schema import Table

# Stable constraint names let Alembic's batch mode rebuild SQLite tables predictably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


def review_fk() -> Any:
    return ForeignKey("review.id", ondelete="CASCADE")


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk writes.

    Bulk inserts go through Core rather than the ORM: the ORM splits a batch into one
    statement per pattern of NULL columns (optional comments make thousands of patterns),
    while Core sends the whole batch as one executemany.
    """
    table = model.__table__
    assert isinstance(table, Table)
    return table
