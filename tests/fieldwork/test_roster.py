"""The roster core: paging, progress figures, reviews and waves; ``colead review``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import default_framework
from colead.cli import app
from colead.domain import WaveStatus
from colead.errors import AlreadyExists, InvalidData, ReviewNotFound, WaveClosed
from colead.fieldwork.lifecycle import close_wave, create_draft_wave, open_wave
from colead.fieldwork.roster import (
    PAGE_SIZE,
    FormFilter,
    NewPerson,
    Paged,
    ProgressRow,
    add_form,
    add_person,
    add_wave,
    create_review,
    review_summaries,
    wave_forms,
    wave_progress,
)
from colead.store import init_database, make_engine, transaction
from colead.store.schema import AuditEntry, Wave


def test_paged_says_where_the_page_sits() -> None:
    full = Paged(list(range(PAGE_SIZE)), page=1, total=120)
    assert (full.first, full.last, full.pages) == (1, 50, 3)
    assert full.has_next and not full.has_previous
    last = Paged(list(range(20)), page=3, total=120)
    assert (last.first, last.last) == (101, 120) and last.has_previous and not last.has_next
    empty = Paged([], page=1, total=0)
    assert (empty.first, empty.last, empty.pages, empty.has_next) == (0, 0, 1, False)
    beyond = Paged([], page=9, total=3)
    assert beyond.first == 0 and beyond.has_previous and not beyond.has_next


def test_progress_row_figures() -> None:
    row = ProgressRow("Peers", forms=8, submitted=3, in_progress=2)
    assert row.not_started == 3 and row.rate == pytest.approx(37.5)
    assert ProgressRow("None", 0, 0, 0).rate == 0.0


@pytest.mark.integration
def test_reviews_waves_people_and_forms(engine: Engine) -> None:
    with transaction(engine) as session:
        create_review(session, "  Buyer – Maker ", "  The contract ", actor="a@example.org")
        with pytest.raises(AlreadyExists):
            create_review(session, "Buyer – Maker", actor="a@example.org")
        for bad in ("", "   ", "x" * 201):
            with pytest.raises(InvalidData):
                create_review(session, bad, actor="a@example.org")
        with pytest.raises(ReviewNotFound):
            add_wave(session, "Nobody", "w", default_framework(), actor="a@example.org")
        first = add_wave(
            session, "Buyer – Maker", "baseline", default_framework(), period="2025", actor="x"
        )
        second = add_wave(session, "Buyer – Maker", "follow-up", default_framework(), actor="x")
        assert first.wave.period == "2025" and second.wave.ordinal == 2
        versions = set(session.scalars(select(Wave.framework_version_id)))
        assert len(versions) == 1  # the second wave is measured like the first
        [summary] = review_summaries(session)
        assert (summary.name, summary.description, summary.waves, summary.people) == (
            "Buyer – Maker", "The contract", 2, 0
        )  # fmt: skip

        for pid, name, org in (("B1", "Bea", "Buyer"), ("M1", "Max", "Maker")):
            person = NewPerson(pid, name, organisation=org, site="Leeds", level="3")
            add_person(session, "Buyer – Maker", person, actor="x")
        with pytest.raises(InvalidData, match="Level"):
            bad_level = NewPerson("B2", "Bo", organisation="Buyer", site="Leeds", level="9")
            add_person(session, "Buyer – Maker", bad_level, actor="x")
        form = add_form(
            session, "Buyer – Maker", "baseline", rater_id="M1", ratee_id="B1",
            relation="partner", actor="x",
        )  # fmt: skip
        listed = wave_forms(session, "Buyer – Maker", "baseline", FormFilter(status="not_started"))
        assert [f.id for f in listed.forms.rows] == [form]
        with pytest.raises(InvalidData):
            wave_forms(session, "Buyer – Maker", "baseline", FormFilter(status="done"))
        progress = wave_progress(session, "Buyer – Maker", "baseline")
        assert (progress.overall.forms, progress.overall.not_started) == (1, 1)
        assert [r.label for r in progress.by_relation] == ["Partner organisation"]
        assert [r.label for r in progress.by_organisation] == ["Buyer"]

        open_wave(session, "Buyer – Maker", "baseline", actor="x")
        close_wave(session, "Buyer – Maker", "baseline", actor="x", minimum=3)
        with pytest.raises(WaveClosed):
            add_form(
                session, "Buyer – Maker", "baseline", rater_id="B1", ratee_id="M1",
                relation="partner", actor="x",
            )  # fmt: skip
        actions = session.execute(select(AuditEntry.entity, AuditEntry.action)).all()
        assert ("person", "create") in actions and ("assignment", "create") in actions


def invoke(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


@pytest.mark.integration
def test_review_commands(database_url: str) -> None:
    init_database(database_url)
    code, output, _ = invoke("review", "list", "--db", database_url)
    assert code == 0 and "No reviews yet" in output
    code, output, _ = invoke(
        "review", "create", "--name", "Client X – Supplier Y", "--description", "Facilities",
        "--db", database_url,
    )  # fmt: skip
    assert code == 0 and "Created review 'Client X – Supplier Y'" in output
    code, _, error = invoke(
        "review", "create", "--name", "Client X – Supplier Y", "--db", database_url
    )
    assert isinstance(error, AlreadyExists)
    with transaction_on(database_url) as session:
        create_draft_wave(session, "Client X – Supplier Y", "baseline", default_framework())
        assert session.scalar(select(Wave.status)) == WaveStatus.draft.value
    code, output, _ = invoke("review", "list", "--db", database_url)
    row = next(line for line in output.splitlines() if "Client X" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells == ["Client X – Supplier Y", "1", "0", "Facilities"]


@contextmanager
def transaction_on(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()
