"""Create or upgrade a database schema with the packaged Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from colead.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config_without_engine())
    head = script.get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def alembic_config_without_engine() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to ``revision``; returns (revision before, revision after)."""
    before = current_revision(engine)
    if before is None and _has_foreign_tables(engine):
        raise DatabaseUnavailable(
            "The database already holds tables that are not colead's.",
            "Point COLEAD_DATABASE_URL / --db at an empty database or a colead one.",
        )
    command.upgrade(alembic_config(engine), revision)
    return before, current_revision(engine) or revision


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database that is missing or behind the code's schema."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseUnavailable(
            "This database has no colead schema yet.",
            "Run `colead init` (with the same --db or COLEAD_DATABASE_URL) to create it.",
        )
    raise DatabaseUnavailable(
        f"The database schema is at revision {current}, this colead needs {head}.",
        "Run `colead init` to upgrade it (take a backup first).",
    )


def _has_foreign_tables(engine: Engine) -> bool:
    names = set(inspect(engine).get_table_names())
    return bool(names - {"alembic_version"})
