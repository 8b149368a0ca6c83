"""Alembic environment: runs on the engine colead passes in (never a global one)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from colead.store.schema import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("colead migrations run through colead.store.migrate, with an engine")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
