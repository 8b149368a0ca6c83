"""The only code that speaks SQL: schema, migrations, engines and queries."""

from colead.store.database import init_database, open_database
from colead.store.engine import make_engine, make_sessionmaker, transaction
from colead.store.migrate import current_revision, ensure_current, head_revision, upgrade

__all__ = [
    "current_revision",
    "ensure_current",
    "head_revision",
    "init_database",
    "make_engine",
    "make_sessionmaker",
    "open_database",
    "transaction",
    "upgrade",
]
