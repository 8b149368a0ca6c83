"""A database made by any earlier schema, holding a realistic review, upgrades to head on
every backend, keeps every row, and the app works on it: analyse, report, write.

The early databases are made the way an older colead left them: the schema built by the
migrations up to that revision, filled with the rows of a simulated review cut down to
the columns that revision had. tests/store/test_migrations.py checks single steps; this
goes from each revision to head in one upgrade, with data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, MetaData, func, insert, select, text, update

from builders import default_framework
from colead.analysis import ReviewResults
from colead.fieldwork.lifecycle import create_draft_wave
from colead.jobs.analyse import analyse_review
from colead.jobs.report_files import write_review_report
from colead.store import make_engine, open_database, transaction
from colead.store.migrate import head_revision, upgrade
from colead.store.schema import Wave
from reliability.stored_review import FIRST_SCHEMA_TABLES, store_populated_review

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

EARLIER_REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006"]

Rows = dict[str, list[dict[str, Any]]]


class Source:
    """A review stored at head (SQLite), its rows and its analysis, made once."""

    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'head.db'}"
        self.review = store_populated_review(self.url, seed=13)
        engine = make_engine(self.url)
        try:
            self.rows = read_rows(engine)
            self.results = analyse_review(engine, self.review, None, 3)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    # Read-only after it is made: every test copies its rows into a database of its own.
    yield Source(tmp_path_factory.mktemp("source"))


def read_rows(engine: Engine) -> Rows:
    """Every row of every table, as column -> value, ordered by primary key."""
    metadata = MetaData()
    metadata.reflect(engine)
    rows: Rows = {}
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            order = list(table.primary_key.columns) or list(table.columns)
            result = connection.execute(select(table).order_by(*order)).mappings()
            rows[name] = [{k: comparable(v) for k, v in row.items()} for row in result]
    return rows


def comparable(value: Any) -> Any:
    """SQLite keeps times without their zone, PostgreSQL with it: compare in naive UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def make_early_database(url: str, revision: str, rows: Rows) -> dict[str, list[str]]:
    """Build the schema up to ``revision`` at ``url`` and fill each of its tables with
    ``rows`` cut down to the columns it has at that revision; returns those columns."""
    engine = make_engine(url)
    try:
        upgrade(engine, revision)
        metadata = MetaData()
        metadata.reflect(engine)
        columns: dict[str, list[str]] = {}
        with engine.begin() as connection:
            for table in metadata.sorted_tables:  # parents before children
                if table.name == "alembic_version":
                    continue
                names = [c.name for c in table.columns]
                columns[table.name] = names
                wanted = [{n: row[n] for n in names} for row in rows.get(table.name, [])]
                if not wanted:
                    continue
                # a row may point at a later row of its own table (a person's manager):
                # those links go in once every row is there
                own = [
                    key.parent.name
                    for key in table.foreign_keys
                    if key.column.table.name == table.name
                ]
                connection.execute(insert(table), [{**r, **dict.fromkeys(own)} for r in wanted])
                for column in own:
                    for row in wanted:
                        if row[column] is not None:
                            connection.execute(
                                update(table)
                                .where(table.c.id == row["id"])
                                .values({column: row[column]})
                            )
            if engine.dialect.name == "postgresql":
                # an old database's id sequences stand past its rows
                for name in columns:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                        )
                    )
    finally:
        engine.dispose()
    return columns


@pytest.mark.parametrize("revision", EARLIER_REVISIONS)
def test_an_earlier_database_with_a_review_upgrades_to_head_and_keeps_working(
    revision: str, database_url: str, source: Source, tmp_path: Path
) -> None:
    columns = make_early_database(database_url, revision, source.rows)
    assert set(columns) >= FIRST_SCHEMA_TABLES
    engine = make_engine(database_url)
    try:
        early = read_rows(engine)
        assert all(early[name] for name in FIRST_SCHEMA_TABLES), "a table of 0001 is empty"

        assert upgrade(engine) == (revision, head_revision())

        upgraded = read_rows(engine)
        for name, names in columns.items():
            kept = [{n: row[n] for n in names} for row in upgraded[name]]
            assert kept == early[name], f"{name} changed in the upgrade from {revision}"
    finally:
        engine.dispose()

    # the report job opens the database as the app does (refusing a schema not current)
    wave = source.results.wave
    results, written = write_review_report(database_url, source.review, wave, tmp_path, 3)
    assert_same_analysis(results, source.results)
    assert source.review in written[0].read_text(encoding="utf-8")
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            create_draft_wave(session, source.review, "after upgrade", default_framework())
        with transaction(engine) as session:
            assert session.scalar(select(func.count(Wave.id))) == len(early["wave"]) + 1
    finally:
        engine.dispose()


def assert_same_analysis(upgraded: ReviewResults, original: ReviewResults) -> None:
    """The upgraded copy's analysis equals the analysis of the original database."""
    assert (upgraded.review, upgraded.wave) == (original.review, original.wave)
    ours, theirs = upgraded.participation, original.participation
    assert (ours.invited, ours.completed) == (theirs.invited, theirs.completed)
    pd.testing.assert_frame_equal(ours.by_site, theirs.by_site)
    pd.testing.assert_frame_equal(ours.by_relation, theirs.by_relation)
    assert (upgraded.n_people, upgraded.n_sites) == (original.n_people, original.n_sites)
    pd.testing.assert_frame_equal(upgraded.site_profile.table, original.site_profile.table)
    pd.testing.assert_frame_equal(upgraded.person_scores.table, original.person_scores.table)
