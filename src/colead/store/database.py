"""Opening a colead database: create or upgrade its schema, or check that it is current.

Every job opens its database through these two functions; they live beside the engine
because every part of the system needs them.
"""

from __future__ import annotations

from sqlalchemy import Engine

from colead.store.engine import make_engine
from colead.store.migrate import ensure_current, upgrade


def init_database(url: str) -> tuple[str | None, str]:
    """Create the schema in an empty database or upgrade an older one."""
    engine = make_engine(url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def open_database(url: str) -> Engine:
    """An engine on a database whose schema is current (else a clear error)."""
    engine = make_engine(url)
    try:
        ensure_current(engine)
    except Exception:
        engine.dispose()
        raise
    return engine
