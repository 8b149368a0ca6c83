"""Factories for the individual report over two waves, and for development plans.

``two_waves()`` analyses both waves of the small simulation (seed 11) with the real engine
and prepares the follow-up pages with the baseline as their earlier wave, as the report job
does. ``plan()`` builds a development plan as :mod:`colead.development.plan_views` returns
it, without a database.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import date

import numpy as np

from builders import small_simulation, wave_data
from colead.analysis import ReviewResults, WaveData, analyse_wave
from colead.analysis.benchmark import Norm, build_norms
from colead.development.plan_views import PlanDetail, PlanSummary
from colead.framework import RatedUnit
from colead.jobs.person_reports import (
    EarlierWave,
    analyse_earlier,
    person_inputs,
    rated_people,
    wave_context,
)
from colead.reports.person import PersonData, WaveContext, render_person_html
from colead.store.plans import ActionRow

MINIMUM = 3
STAMP = "2024-01-01 00:00 UTC"
TODAY = date(2025, 6, 1)


class TwoWaves:
    """The follow-up wave of the small simulation, with the baseline as its earlier wave."""

    def __init__(self, follow_up: WaveData, baseline: WaveData, *, norms: bool = True) -> None:
        self.baseline = baseline
        self.follow_up = follow_up
        self.results: ReviewResults = analyse_wave(follow_up, MINIMUM)
        self.earlier: EarlierWave = analyse_earlier(baseline, MINIMUM)
        built: dict[str, Norm] | None = None
        if norms:
            built, _ = build_norms(
                self.earlier.results.person_scores.observer_means, source="pooled test"
            )
        self.context: WaveContext = wave_context(
            self.results, follow_up.framework, norms=built, earlier_wave=baseline.wave
        )
        self.inputs = person_inputs(
            follow_up, self.results, rated_people(follow_up), {}, earlier=self.earlier
        )

    def html(self, person: PersonData) -> str:
        return render_person_html(self.context, person, generated_at=STAMP)


def two_waves(*, norms: bool = True) -> TwoWaves:
    simulation = small_simulation(11)
    return TwoWaves(wave_data(simulation, 1), wave_data(simulation, 0), norms=norms)


def observer_means(data: WaveData, person: str) -> dict[str, tuple[float, int]]:
    """Mean over the person's observer forms of each practice score, from the raw codes: a
    form's practice score is the mean of its answered items when at least 2/3 of them are
    answered (DESIGN §5); the count is of the forms with a score."""
    framework = data.framework
    responses = data.responses.reset_index(drop=True)
    rows = (responses["ratee_id"].astype(str) == person) & (responses["relation"] != "self")
    codes = data.values[rows.to_numpy()].astype(float)
    codes[codes < 0] = np.nan
    found = {}
    for family in framework.families:
        if family.rates is not RatedUnit.person:
            continue
        for scale in family.scales:
            columns = [framework.item_ids.index(i.id) for i in scale.items]
            block = codes[:, columns]
            enough = (~np.isnan(block)).sum(axis=1) >= math.ceil(len(columns) * 2 / 3 - 1e-9)
            if enough.any():
                found[scale.id] = (
                    float(np.nanmean(block[enough], axis=1).mean()),
                    int(enough.sum()),
                )
    return found


def fully_shown(results: ReviewResults, data: WaveData, person: str) -> bool:
    """Whether the report shows an all-observer mean of every practice built from every
    observer form about the person (none withheld)."""
    table = results.person_scores.table
    shown = table[(table["ratee_id"] == person) & (table["group"] == "observers")]
    counts = dict(zip(shown["scale_id"].astype(str), shown["n_raters"].astype(int), strict=True))
    raw = observer_means(data, person)
    practices = [
        s.id for f in data.framework.families if f.rates is RatedUnit.person for s in f.scales
    ]
    return all(s in raw and counts.get(s) == raw[s][1] for s in practices)


def raters_of(data: WaveData, person: str) -> set[str]:
    """Who rated the person, besides themself, from the responses."""
    responses = data.responses
    mine = responses[(responses["ratee_id"] == person) & (responses["relation"] != "self")]
    return set(mine["rater_id"].astype(str))


def without_observers_of(data: WaveData, person: str, keep: int) -> WaveData:
    """The wave with only the first ``keep`` observer forms about ``person``."""
    responses = data.responses.reset_index(drop=True)
    theirs = (responses["ratee_id"].astype(str) == person) & (responses["relation"] != "self")
    dropped = responses.index[theirs][keep:]
    mask = ~responses.index.isin(dropped)
    return dataclasses.replace(
        data, responses=responses[mask].reset_index(drop=True), values=data.values[np.asarray(mask)]
    )


def plan(
    person: str,
    actions: Sequence[tuple[str, str, str]],
    *,
    plan_id: int = 1,
    wave: str | None = "baseline",
    status: str = "agreed",
    notes: str | None = None,
    due: date | None = date(2025, 3, 1),
) -> PlanDetail:
    """A plan of ``person`` with ``actions`` as (practice id, text, status)."""
    rows = tuple(
        ActionRow(
            id=plan_id * 100 + k,
            review_id=1,
            plan_id=plan_id,
            practice_id=practice,
            description=text,
            owner=person,
            due_date=due,
            status=state,
            plan_status=status,
            wave=wave,
            person_id=1,
            person=person,
            person_name=person,
        )
        for k, (practice, text, state) in enumerate(actions)
    )
    still_open = [a for a in rows if a.status in ("open", "in_progress")]
    summary = PlanSummary(
        id=plan_id,
        person=person,
        person_name=person,
        wave=wave,
        status=status,
        notes=notes,
        actions=len(rows),
        done=sum(a.status == "done" for a in rows),
        still_open=len(still_open),
        overdue=sum(a.due_date is not None and a.due_date < TODAY for a in still_open),
        next_due=min((a.due_date for a in still_open if a.due_date), default=None),
    )
    return PlanDetail(summary, rows)
