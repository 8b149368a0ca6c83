"""The wave life cycle: draft -> open -> closed, reopening on purpose, every change audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from builders import default_framework, people_frame
from colead.domain import WaveStatus
from colead.errors import (
    AlreadyExists,
    InvalidData,
    InvalidTransition,
    ReviewNotFound,
    WaveNotFound,
)
from colead.fieldwork.lifecycle import close_wave, create_draft_wave, open_wave, review_waves
from colead.ingest.importing import import_file
from colead.store import transaction
from colead.store.schema import AuditEntry, Wave

pytestmark = pytest.mark.integration

REVIEW = "Client X – Supplier Y"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _create(engine: Engine, wave: str = "baseline", period: str | None = None) -> None:
    with transaction(engine) as session:
        create_draft_wave(session, REVIEW, wave, default_framework(), period=period, actor="t")


def _wave(engine: Engine, name: str = "baseline") -> Wave:
    with transaction(engine) as session:
        wave = session.scalars(select(Wave).where(Wave.name == name)).one()
        session.expunge(wave)
        return wave


def _wave_audit(engine: Engine) -> list[tuple[str, dict[str, object] | None]]:
    with transaction(engine) as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.entity == "wave")
            .order_by(AuditEntry.id)
        )
        return [(action, detail) for action, detail in rows]


def _status(engine: Engine, name: str = "baseline") -> WaveStatus:
    return WaveStatus(_wave(engine, name).status)


def _to(engine: Engine, status: WaveStatus) -> None:
    """Bring the baseline wave into ``status`` through legal steps."""
    with transaction(engine) as session:
        if status is not WaveStatus.draft:
            open_wave(session, REVIEW, "baseline", now=T0)
        if status is WaveStatus.closed:
            close_wave(session, REVIEW, "baseline", now=T0, minimum=3)


def test_a_new_wave_is_a_draft_and_its_new_review_is_created(engine: Engine) -> None:
    with transaction(engine) as session:
        created = create_draft_wave(
            session, REVIEW, " baseline ", default_framework(), period="2024q3", actor="t"
        )
    assert created.review_created
    assert created.framework == f"{default_framework().id} {default_framework().version}"
    info = created.wave
    assert (info.review, info.name, info.status, info.period) == (
        REVIEW,
        "baseline",
        WaveStatus.draft,
        "2024-Q3",
    )
    assert (info.assignments, info.completed, info.opened_at, info.closed_at) == (0, 0, None, None)
    assert info.created_at is not None
    assert _wave_audit(engine) == [
        (
            "create",
            {
                "name": "baseline",
                "status": "draft",
                "period": "2024-Q3",
                "framework": created.framework,
            },
        )
    ]
    with transaction(engine) as session:
        second = create_draft_wave(session, REVIEW, "follow-up", default_framework(), actor="t")
    assert not second.review_created
    assert second.wave.ordinal == info.ordinal + 1


@pytest.mark.parametrize(
    ("review", "wave", "period", "error", "message"),
    [
        (REVIEW, "baseline", None, AlreadyExists, "already has a wave named 'baseline'"),
        (REVIEW, "  ", None, InvalidData, "cannot be a wave name"),
        (REVIEW, "x" * 101, None, InvalidData, "cannot be a wave name"),
        (REVIEW, "later", "next spring", InvalidData, "'next spring' is not a period"),
        (" ", "later", None, InvalidData, "review name is empty"),
    ],
)
def test_a_wave_that_cannot_be_created_changes_nothing(
    engine: Engine,
    review: str,
    wave: str,
    period: str | None,
    error: type[Exception],
    message: str,
) -> None:
    _create(engine)
    with pytest.raises(error, match=message) as caught, transaction(engine) as session:
        create_draft_wave(session, review, wave, default_framework(), period=period)
    assert getattr(caught.value, "hint", None)
    assert [action for action, _ in _wave_audit(engine)] == ["create"]
    assert [w.name for w in _infos(engine)] == ["baseline"]


def test_the_whole_life_cycle_is_legal_and_audited(engine: Engine) -> None:
    _create(engine)
    t1, t2, t3 = T0 + timedelta(days=1), T0 + timedelta(days=30), T0 + timedelta(days=31)
    with transaction(engine) as session:
        opened = open_wave(session, REVIEW, "baseline", actor="t", now=T0)
    assert (opened.action, opened.before, opened.wave.status) == (
        "open",
        WaveStatus.draft,
        WaveStatus.open,
    )
    assert _aware(_wave(engine).opened_at) == T0
    with transaction(engine) as session:
        closed = close_wave(session, REVIEW, "baseline", actor="t", now=t1, minimum=3)
    assert (closed.action, closed.before, closed.wave.status) == (
        "close",
        WaveStatus.open,
        WaveStatus.closed,
    )
    assert _aware(_wave(engine).closed_at) == t1
    with transaction(engine) as session:
        reopened = open_wave(session, REVIEW, "baseline", reopen=True, actor="t", now=t2)
    assert (reopened.action, reopened.before) == ("reopen", WaveStatus.closed)
    stored = _wave(engine)
    assert stored.status == "open"
    assert stored.closed_at is None
    assert _aware(stored.opened_at) == T0  # the first opening is kept
    with transaction(engine) as session:
        close_wave(session, REVIEW, "baseline", actor="t", now=t3, minimum=3)
    assert _aware(_wave(engine).closed_at) == t3
    steps = [
        (action, detail["from_status"], detail["to_status"])
        for action, detail in _wave_audit(engine)[1:]
        if detail is not None
    ]
    assert steps == [
        ("open", "draft", "open"),
        ("close", "open", "closed"),
        ("reopen", "closed", "open"),
        ("close", "open", "closed"),
    ]


def test_reopen_flag_on_a_draft_simply_opens_it(engine: Engine) -> None:
    _create(engine)
    with transaction(engine) as session:
        change = open_wave(session, REVIEW, "baseline", reopen=True, now=T0)
    assert (change.action, change.wave.status) == ("open", WaveStatus.open)


@pytest.mark.parametrize(
    ("start", "step", "message", "hint"),
    [
        (WaveStatus.draft, "close", "is still a draft", "colead wave open"),
        (WaveStatus.open, "open", "is already open", "colead wave close"),
        (WaveStatus.open, "reopen", "is already open", "colead wave close"),
        (WaveStatus.closed, "open", "is closed", "--reopen"),
        (WaveStatus.closed, "close", "is already closed", "colead wave list"),
    ],
)
def test_illegal_transitions_are_refused_with_a_hint_and_change_nothing(
    engine: Engine, start: WaveStatus, step: str, message: str, hint: str
) -> None:
    _create(engine)
    _to(engine, start)
    before = _wave_audit(engine)
    with pytest.raises(InvalidTransition, match=message) as caught, transaction(engine) as session:
        if step == "close":
            close_wave(session, REVIEW, "baseline", minimum=3)
        else:
            open_wave(session, REVIEW, "baseline", reopen=step == "reopen")
    error = caught.value
    assert "'baseline'" in error.message and REVIEW in error.message
    assert hint in (error.hint or "")
    assert (error.exit_code, error.code) == (6, "invalid_transition")
    assert _status(engine) is start
    assert _wave_audit(engine) == before


def test_unknown_review_or_wave_is_not_found(engine: Engine) -> None:
    _create(engine)
    with pytest.raises(ReviewNotFound), transaction(engine) as session:
        open_wave(session, "No such review", "baseline")
    with (
        pytest.raises(WaveNotFound, match="has no wave 'later'") as caught,
        transaction(engine) as session,
    ):
        close_wave(session, REVIEW, "later", minimum=3)
    assert "baseline" in (caught.value.hint or "")


def test_listing_counts_assignments_and_submitted_forms(engine: Engine, tmp_path: Path) -> None:
    _create(engine)
    _create(engine, "follow-up", period="2025")
    url = engine.url.render_as_string(hide_password=False)
    _import_small_review(url, tmp_path, "baseline")
    infos = _infos(engine)
    assert [(i.name, i.status, i.period, i.assignments, i.completed) for i in infos] == [
        ("baseline", WaveStatus.draft, None, 4, 1),
        ("follow-up", WaveStatus.draft, "2025", 0, 0),
    ]
    with transaction(engine) as session:
        opened = open_wave(session, REVIEW, "baseline")
    assert (opened.wave.assignments, opened.wave.completed) == (4, 1)


def _infos(engine: Engine) -> list[object]:
    with transaction(engine) as session:
        return list(review_waves(session, REVIEW))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _import_small_review(url: str, folder: Path, wave: str) -> None:
    """Four people, four forms in ``wave``, one of them submitted."""
    people_frame().to_csv(folder / "people.csv", index=False)
    nominations = pd.DataFrame(
        [("C2", "C2", "self"), ("C2", "C1", "manager"), ("C2", "S1", "partner"),
         ("S1", "C2", "partner")],
        columns=["ratee_id", "rater_id", "relation"],
    ).assign(wave=wave)  # fmt: skip
    nominations.to_csv(folder / "nominations.csv", index=False)
    items = {item: 4 for item in default_framework().item_ids}
    answers = {"wave": wave, "ratee_id": "C2", "rater_id": "C2", "relation": "self", **items}
    pd.DataFrame([answers]).to_csv(folder / "responses.csv", index=False)
    for kind in ("people", "nominations", "responses"):
        target = None if kind == "people" else wave
        outcome = import_file(url, kind, folder / f"{kind}.csv", review=REVIEW, wave=target)
        assert outcome.rejected == 0, outcome.problems
