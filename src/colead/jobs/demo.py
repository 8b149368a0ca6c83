"""The demo: simulate a relationship, store it, walk the development loop, analyse, report.

:func:`store_simulation` also serves the tests and benchmarks: it writes a simulated review
through the same import path as real files.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.analysis import ReviewResults, analyse_wave
from colead.analysis.anonymity import OBSERVERS
from colead.analysis.benchmark import Norm, build_norms, norm_records
from colead.config import ANONYMITY_FLOOR
from colead.development.programmes import create_programme, record_attendance
from colead.development.review_actions import action_log
from colead.domain import WaveStatus
from colead.errors import ConfigurationError
from colead.fieldwork.follow_up import create_follow_up_wave
from colead.fieldwork.lifecycle import close_wave, open_wave
from colead.fieldwork.release import release_answers
from colead.framework import Framework
from colead.ingest import (
    ImportReport,
    RowNumbers,
    import_enrolments,
    import_kpis,
    import_nominations,
    import_people,
    import_responses,
)
from colead.jobs.analyse import analyse_review
from colead.jobs.development_story import DevelopmentStory, run_development_story
from colead.jobs.output import check_output_dir, prepare_output_dir, slug
from colead.reports import render_review_html
from colead.reports.review import write_html
from colead.simulation.review import SimulatedReview, SimulatedWave, simulate
from colead.simulation.wave_data import simulated_wave_data
from colead.store import init_database, open_database, transaction
from colead.store.norms import replace_norm_set
from colead.store.reviews import (
    delete_review,
    find_review,
    get_or_create_review,
    get_review,
    register_framework,
)
from colead.store.schema import Wave
from colead.store.waves import create_wave, get_wave

#: Reports progress: ``with step("Simulating"):`` around each stage of a job.
Step = Callable[[str], AbstractContextManager[None]]


@contextmanager
def _quiet(_label: str) -> Iterator[None]:
    yield


@dataclass
class StoredSimulation:
    review: str
    replaced: bool
    waves: list[str]
    reports: list[ImportReport] = field(default_factory=list)


def store_simulation(
    engine: Engine,
    simulated: SimulatedReview,
    framework: Framework,
    minimum: int = ANONYMITY_FLOOR,
) -> StoredSimulation:
    """Write a simulated review through the same import path as real files.

    A review of the same name is replaced, so running the demo again never duplicates.
    Everything happens in one transaction: a failure leaves the database as it was. Each
    wave is closed, so its answers are released (published) as at a real close;
    ``minimum`` is the anonymity minimum of that release.
    """
    rows = RowNumbers(first_data_row=1)
    source = f"simulated review (seed {simulated.seed}, {simulated.size})"
    with transaction(engine) as session:
        old = find_review(session, simulated.name)
        if old is not None:
            delete_review(session, old, actor="demo")
            session.flush()
        review, _ = get_or_create_review(
            session,
            simulated.name,
            description="Synthetic data from colead.simulation; not real people or results.",
            actor="demo",
        )
        version = register_framework(session, framework)
        regions = dict(zip(simulated.sites["site"], simulated.sites["region"], strict=True))
        reports = [
            import_people(
                session,
                review,
                simulated.people,
                f"{source}: people",
                regions=regions,
                rows=rows,
                actor="demo",
            )
        ]
        for index, wave_data in enumerate(simulated.waves):
            if index == 0:
                wave = create_wave(
                    session,
                    review.id,
                    wave_data.name,
                    version.id,
                    WaveStatus.closed,
                    period=wave_data.period or None,
                )
                nominations, _tokens = import_nominations(
                    session,
                    review.id,
                    wave,
                    wave_data.nominations,
                    f"{source}: {wave_data.name} nominations",
                    rows=rows,
                    actor="demo",
                )
                reports.append(nominations)
            else:
                # A follow-up asks the same raters again, as `colead wave follow-up` does.
                wave = _follow_up_wave(
                    session, review.name, simulated.waves[index - 1].name, wave_data
                )
            reports.append(
                import_responses(
                    session,
                    review.id,
                    wave,
                    framework,
                    wave_data.responses,
                    wave_data.values,
                    f"{source}: {wave_data.name} responses",
                    rows=rows,
                    actor="demo",
                )
            )
            if index > 0:
                close_wave(session, review.name, wave.name, minimum=minimum, actor="demo")
            else:
                release_answers(session, wave, minimum)
        reports.append(
            import_kpis(session, review, simulated.kpis, f"{source}: KPIs", rows=rows, actor="demo")
        )
        programme = simulated.programme
        create_programme(
            session,
            review.name,
            str(programme["name"]),
            provider=_as_text(programme.get("provider")),
            start_date=_as_date(programme.get("start")),
            end_date=_as_date(programme.get("end")),
            cost_per_participant=_as_money(programme.get("cost_per_participant")),
            other_costs=_as_money(programme.get("other_costs")),
            actor="demo",
        )
        reports.append(
            import_enrolments(
                session,
                review,
                simulated.enrolments,
                f"{source}: enrolments",
                rows=rows,
                actor="demo",
            )
        )
        for record in simulated.attendance.itertuples(index=False):
            record_attendance(
                session,
                review.name,
                str(programme["name"]),
                str(record.person_id),
                int(record.sessions_attended),
                int(record.sessions_total),
                actor="demo",
            )
    return StoredSimulation(
        review=simulated.name,
        replaced=old is not None,
        waves=[w.name for w in simulated.waves],
        reports=reports,
    )


def _follow_up_wave(session: Session, review: str, previous: str, wave_data: SimulatedWave) -> Wave:
    create_follow_up_wave(
        session, review, previous, wave_data.name, period=wave_data.period or None, actor="demo"
    )
    open_wave(session, review, wave_data.name, actor="demo")
    return get_wave(session, get_review(session, review), wave_data.name)


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)


def _as_money(value: object) -> float | None:
    return None if value is None else float(str(value))


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


DEMO_NORMS = "Synthetic benchmark (demo)"


def store_synthetic_norms(
    engine: Engine, framework: Framework, seed: int, name: str = DEMO_NORMS
) -> dict[str, Norm]:
    """Norms pooled from an independent simulated relationship, stored and labelled synthetic.

    They stand in for "a wider sample of results" in the demo; every report that uses them
    says they are synthetic.
    """
    sample = simulate(framework, size="small", seed=seed)
    means = analyse_wave(simulated_wave_data(sample, 0, framework), 3).person_scores
    source = f"colead.simulation, seed {seed}: synthetic, not a real benchmark"
    norms, _ = build_norms(means.observer_means, min_n=30, source=source, synthetic=True)
    rows = norm_records(norms)
    with transaction(engine) as session:
        replace_norm_set(session, name, rows, source=source, synthetic=True)
    return norms


@dataclass(frozen=True)
class DemoResult:
    database_url: str
    review: str
    replaced: bool
    report_paths: dict[str, Path]
    latest: ReviewResults
    simulated: SimulatedReview
    story: DevelopmentStory
    #: what the demo could not do and why (e.g. PDFs without the Pango library)
    notes: tuple[str, ...] = ()


def run_demo(
    *,
    database_url: str,
    out_dir: Path,
    framework: Framework,
    seed: int,
    size: str,
    minimum: int,
    step: Step = _quiet,
    pdf: bool = True,
) -> DemoResult:
    """Create the database, simulate a review, store it, analyse it and write the reports.

    ``review.html`` shows the latest wave, ``review-<wave>.html`` each wave,
    ``evaluation.html`` the programme evaluation and ``people/<id>.html`` the individual
    reports of :data:`DEMO_PEOPLE` people; with ``pdf`` each has a PDF beside it.
    """
    check_output_dir(out_dir)
    with step("Preparing the database"):
        init_database(database_url)
        engine = open_database(database_url)
    try:
        with step(f"Simulating a {size} relationship (seed {seed})"):
            simulated = simulate(framework, size=size, seed=seed)
        with step("Storing people, nominations, responses, KPIs and enrolments"):
            stored = store_simulation(engine, simulated, framework)
        with step("Building a synthetic benchmark from an independent simulated sample"):
            norms = store_synthetic_norms(engine, framework, seed + 1000)
        with step("Selection, development plans, improvement actions and scale stability"):
            story = run_development_story(
                engine, simulated, stored.review, minimum=minimum, norms=norms, seed=seed
            )
        results: dict[str, ReviewResults] = {}
        for wave in stored.waves:
            with step(f"Analysing wave {wave!r}"):
                results[wave] = analyse_review(engine, stored.review, wave, minimum, norms)
        with transaction(engine) as session:
            actions = action_log(session, stored.review, datetime.now(UTC).date())
    finally:
        engine.dispose()
    # Each wave's review, the evaluation and a few individual reports, as HTML and as PDF;
    # review.html / review.pdf repeat the latest wave. The listing prints the keys.
    paths: dict[str, Path] = {}
    notes: list[str] = []
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    latest = results[stored.waves[-1]]
    pages: dict[str, str] = {}
    with step("Writing reports"):
        prepare_output_dir(out_dir)
        for wave, wave_results in results.items():
            pages[f"review-{slug(wave)}"] = render_review_html(
                wave_results, generated_at=stamp, actions=actions
            )
        pages["review"] = pages[f"review-{slug(stored.waves[-1])}"]
        if latest.evaluation is not None:
            from colead.reports.evaluation import render_evaluation_html

            pages["evaluation"] = render_evaluation_html(latest, generated_at=stamp)
        for name, html in pages.items():
            paths[_demo_label(name, "HTML")] = write_html(html, out_dir / f"{name}.html")
    with step(f"Writing individual reports for {DEMO_PEOPLE} people"):
        from colead.jobs.person_reports import write_person_reports

        planned = sorted({plan.person for plan in story.plans.created})
        earlier = results[stored.waves[0]] if len(stored.waves) > 1 else None
        chosen = demo_people(latest, simulated.people, participants=planned, earlier=earlier)
        people_dir = out_dir / "people"
        written = write_person_reports(
            database_url, stored.review, None, people_dir, people=chosen, minimum=minimum,
            norms=norms, jobs=1,
        )  # fmt: skip
        for pid, page in zip(chosen, written, strict=True):
            paths[f"individual {pid}, HTML"] = page
    if pdf:
        with step("Writing the PDF versions"):
            try:
                from colead.reports.pdf import render_pdfs, write_pdf
            except ConfigurationError as missing:
                notes.append(f"PDFs were not written: {missing.message} {missing.hint}")
            else:
                jobs = {out_dir / f"{name}.pdf": html for name, html in pages.items()}
                labels = {out_dir / f"{name}.pdf": _demo_label(name, "PDF") for name in pages}
                for pid, page in zip(chosen, written, strict=True):
                    jobs[page.with_suffix(".pdf")] = page.read_text(encoding="utf-8")
                    labels[page.with_suffix(".pdf")] = f"individual {pid}, PDF"
                for target, data in render_pdfs(jobs).items():
                    paths[labels[target]] = write_pdf(data, target)
    return DemoResult(
        database_url=database_url,
        review=stored.review,
        replaced=stored.replaced,
        report_paths=paths,
        latest=latest,
        simulated=simulated,
        story=story,
        notes=tuple(notes),
    )


#: how many individual reports the demo writes (every person: colead report person --all)
DEMO_PEOPLE = 5


def _demo_label(name: str, kind: str) -> str:
    wave = name.removeprefix("review-")
    label = (
        "review, latest wave"
        if name == "review"
        else ("programme evaluation" if name == "evaluation" else f"review, {wave}")
    )
    return f"{label}, {kind}"


#: of the demo's individual reports, how many go to programme participants
DEMO_PARTICIPANTS = 2


def demo_people(
    results: ReviewResults,
    people: pd.DataFrame,
    *,
    participants: Collection[str] = (),
    earlier: ReviewResults | None = None,
) -> list[str]:
    """One person per level (most observers first), for the demo's individual reports.

    Up to :data:`DEMO_PARTICIPANTS` of them are programme ``participants`` (people with a
    development plan) whose all observers were shown in the ``earlier`` wave as well, each
    at a level of their own, so that their follow-up reports show the change since the
    baseline and their plan; the other levels get the person with most observers.
    """
    counts = results.person_scores.observer_counts.max(axis=1)
    levels = people.set_index(people["person_id"].astype(str))["level"]
    ranked = pd.DataFrame({"n": counts, "level": levels.reindex(counts.index.astype(str))})
    ranked = ranked.dropna().sort_values(["level", "n"], ascending=[True, False], kind="stable")
    ranked.index = ranked.index.astype(str)
    compared = ranked.index.isin([str(p) for p in participants])
    if earlier is not None:
        table = earlier.person_scores.table
        before = set(table.loc[table["group"] == OBSERVERS, "ratee_id"].astype(str))
        compared &= ranked.index.isin(sorted(before))
    chosen: dict[int, str] = {}
    for pid, level in ranked.loc[compared, "level"].items():
        if len(chosen) < DEMO_PARTICIPANTS and int(level) not in chosen:
            chosen[int(level)] = str(pid)
    for pid, level in ranked["level"].items():
        chosen.setdefault(int(level), str(pid))
    by_level = [chosen[level] for level in sorted(chosen)]
    return by_level[:DEMO_PEOPLE]
