"""Job: the individual 360 reports of one wave, one HTML file per rated person.

The wave is loaded and analysed once; each person's slice of it (their folded group scores,
the forms about them and the comments as bare text) becomes a small ``PersonData``, and the
pages are rendered by a pool of threads, a few pages per task. The review's earlier wave
(the latest closed one before this, measured with the same framework) is loaded and analysed
once too, for each person's change since then, and the people's development plans are read
with the readers of ``colead plan`` and the participant pages.

Threads rather than processes, by measurement (1,500 pages of a simulated medium review,
2 vCPUs, best of three): one thread 10.1 s, two threads 10.0 s, two processes 13.0 s. The
rendering is pure Python (templates, SVG text) and holds the GIL, so threads barely overlap;
processes pay for pickling each person's data and, on a small machine, for cores they do not
get. On many free cores processes may win: ``_render_all`` is the one place to change.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from colead.analysis import ReviewResults, analyse_wave
from colead.analysis.anonymity import OBSERVERS
from colead.analysis.benchmark import Norm
from colead.analysis.data import WaveData
from colead.analysis.disclosure import WaveDisclosure, comment_forms
from colead.analysis.individual import self_other_gaps
from colead.analysis.person_change import PersonChange, change_basis, person_changes
from colead.analysis.profiles import competence_profile
from colead.analysis.results import Profile
from colead.analysis.review import person_scale_ids, wave_disclosure
from colead.analysis.scoring import scale_index, score_forms
from colead.development.plan_views import PlanDetail, list_plans
from colead.development.plans import list_plan_actions
from colead.domain import Relation, WaveStatus
from colead.errors import UnknownPerson
from colead.fieldwork.release import published_wave
from colead.framework import Framework, RatedUnit, load_framework
from colead.jobs.output import check_output_dir, prepare_output_dir
from colead.reports.person import PersonData, WaveContext, render_person_html
from colead.reports.review import write_html
from colead.reports.tables import profile_stats
from colead.store import open_database
from colead.store.engine import snapshot
from colead.store.exports import wave_comments
from colead.store.plans import ActionRow
from colead.store.reviews import get_review, load_framework_version
from colead.store.schema import Review, Wave
from colead.store.waves import list_waves, load_wave_data

__all__ = [
    "Comments",
    "EarlierWave",
    "analyse_earlier",
    "earlier_wave_data",
    "person_competences",
    "person_file_name",
    "person_inputs",
    "person_plans",
    "rated_people",
    "wave_context",
    "write_person_reports",
]

#: (ratee id, rater id) -> (strengths, suggestions), as the store returns them
Comments = Mapping[tuple[str, str], tuple[str | None, str | None]]
Progress = Callable[[int, int], None]

#: Below this many pages a worker pool costs more than it saves.
SERIAL_BELOW = 8
#: Most pages one worker task renders.
BATCH = 16
_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_SEP = "\x1f"
SELF = Relation.self.value


def person_file_name(person_id: str) -> str:
    """``<person_id>.html``; ids with other characters get them replaced and a short hash,
    so the name stays unique and cannot leave the output folder."""
    safe = _SAFE.sub("_", person_id)
    if safe != person_id or not safe:
        digest = hashlib.sha256(person_id.encode()).hexdigest()[:8]
        safe = f"{safe[:60]}-{digest}"
    return f"{safe}.html"


def rated_people(data: WaveData) -> list[str]:
    """Ids of everyone with at least one completed form about them, sorted."""
    return sorted(set(data.responses["ratee_id"].astype(str)))


def _check_people(data: WaveData, people: Sequence[str]) -> list[str]:
    known = set(data.people["person_id"].astype(str))
    unknown = [p for p in dict.fromkeys(people) if p not in known]
    if unknown:
        shown = ", ".join(repr(p) for p in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise UnknownPerson(
            f"Review {data.review!r} has no person {shown}{more}.",
            "Use the person_id from the review's people file (ids are case-sensitive), "
            "or ask for every rated person at once.",
        )
    return list(dict.fromkeys(people))


@dataclass(frozen=True)
class EarlierWave:
    """The earlier wave a report compares with: its published answers and their analysis
    (with the same anonymity minimum), and its disclosure decision."""

    data: WaveData
    results: ReviewResults
    disclosure: WaveDisclosure


def earlier_wave_data(
    session: Session, review: Review, wave: Wave, framework: Framework
) -> WaveData | None:
    """The latest closed wave before ``wave`` when it measured with the same framework.

    Only a closed wave has published results; a wave measured with another framework has
    other practices, so no change is computed from it.
    """
    before = [
        w
        for w in list_waves(session, review.id)
        if w.ordinal < wave.ordinal and w.status == WaveStatus.closed.value
    ]
    if not before:
        return None
    earlier = before[-1]
    if earlier.framework_version_id != wave.framework_version_id:
        other = load_framework_version(session, earlier.framework_version_id)
        if other.fingerprint != framework.fingerprint:
            return None
    return load_wave_data(session, review, earlier, framework)


def analyse_earlier(data: WaveData, minimum: int) -> EarlierWave:
    """Analyse the earlier wave as its own reports do (same minimum)."""
    return EarlierWave(data, analyse_wave(data, minimum), wave_disclosure(data, minimum))


def person_plans(
    session: Session, review: Review, wave: Wave, people: Sequence[str], today: date
) -> dict[str, tuple[PlanDetail, ...]]:
    """Each person's development plans made from ``wave`` or an earlier one, oldest first.

    Read with the readers the ``colead plan`` commands use (:func:`list_plans`,
    :func:`list_plan_actions`): two queries for the whole review. Everyone in ``people``
    gets an entry, empty when they have no plan.
    """
    up_to = {w.name for w in list_waves(session, review.id) if w.ordinal <= wave.ordinal}
    wanted = set(people)
    summaries = [
        p
        for p in list_plans(session, review.name, today)
        if p.person in wanted and (p.wave is None or p.wave in up_to)
    ]
    actions: dict[int, list[ActionRow]] = {p.id: [] for p in summaries}
    if summaries:
        for row in list_plan_actions(session, review.name):
            if row.plan_id in actions:
                actions[row.plan_id].append(row)
    found: dict[str, list[PlanDetail]] = {p: [] for p in people}
    for plan in sorted(summaries, key=lambda p: p.id):
        found[plan.person].append(PlanDetail(plan, tuple(actions[plan.id])))
    return {p: tuple(plans) for p, plans in found.items()}


def wave_context(
    results: ReviewResults,
    framework: Framework,
    *,
    norms: Mapping[str, Norm] | None = None,
    earlier_wave: str | None = None,
) -> WaveContext:
    """The part of an analysed wave that every person's page shares; ``earlier_wave`` names
    the wave the pages' change sections compare with."""
    site_systems: dict[str, dict[str, tuple[float, int]]] = {}
    for (site, scale_id), stat in profile_stats(results.systems_by_site).items():
        if stat.shown:
            site_systems.setdefault(site, {})[scale_id] = (stat.mean, stat.n)
    return WaveContext(
        review=results.review,
        wave=results.wave,
        framework=framework,
        minimum=results.anonymity_minimum,
        gap_margin=results.self_other.margin if results.self_other is not None else 0.5,
        norms=dict(norms) if norms else None,
        site_systems=site_systems,
        earlier_wave=earlier_wave,
    )


def person_competences(
    scores: pd.DataFrame, framework: Framework
) -> dict[str, dict[tuple[str, str], tuple[float, int]]]:
    """Competence means of every person in ``scores`` (a ``PersonScores.table``), for their
    own rating and all observers, through one call of the engine's ``competence_profile``.

    Returns ratee -> (competence id, group) -> (mean, fewest raters behind its practices).
    """
    mine = scores[scores["group"].isin([SELF, OBSERVERS])]
    if mine.empty or not framework.competences:
        return {}
    key = mine["ratee_id"].astype(str) + _SEP + mine["group"].astype(str)
    table = mine.assign(group=key, n_people=1, shown=True).drop(columns=["ratee_id"])
    mapping = {c.id: list(c.practices) for c in framework.competences}
    derived = competence_profile(Profile(by="person", table=table, minimum=1), mapping).table
    found: dict[str, dict[tuple[str, str], tuple[float, int]]] = {}
    for rec in derived[derived["shown"].astype(bool)].to_dict("records"):
        ratee, group = str(rec["group"]).split(_SEP)
        value = (float(rec["mean"]), int(rec["n_raters"]))
        found.setdefault(ratee, {})[(str(rec["scale_id"]), group)] = value
    return found


def _own_scores(data: WaveData, is_self: np.ndarray) -> np.ndarray:
    """Scale scores of the self forms (rows in the order of ``data.values[is_self]``)."""
    framework = data.framework
    item_scale, scale_ids = scale_index(framework)
    fraction = framework.min_answered_fraction
    return score_forms(data.values[is_self], item_scale, len(scale_ids), fraction)[0]


def person_inputs(
    data: WaveData,
    results: ReviewResults,
    people: Sequence[str],
    comments: Comments | None = None,
    *,
    own_copy: bool = False,
    earlier: EarlierWave | None = None,
    plans: Mapping[str, tuple[PlanDetail, ...]] | None = None,
) -> dict[str, PersonData]:
    """Each person's slice of an analysed wave (grouped once, not searched per person).

    ``own_copy`` is for the report a person opens from their own link: only that copy
    shows their own ratings of their site. With ``earlier`` each person gets their change
    since that wave; with ``plans`` (from :func:`person_plans`) their development plans.
    """
    framework = data.framework
    table = results.person_scores.table
    scores = dict(iter(table.groupby(table["ratee_id"].astype(str), sort=False)))
    gap_table = (results.self_other or self_other_gaps(table)).table
    gaps = dict(iter(gap_table.groupby(gap_table["ratee_id"].astype(str), sort=False)))
    competences = person_competences(table, framework)
    site_scales = [
        (k, s.id)
        for k, s in enumerate(framework.scales)
        if framework.family(framework.scale_family[s.id]).rates is RatedUnit.site
    ]
    responses = data.responses.reset_index(drop=True)
    disclosure = wave_disclosure(data, results.anonymity_minimum)
    labels = disclosure.labels
    changes = _changes(data, results, disclosure, earlier, people) if earlier else {}
    ratees = responses["ratee_id"].astype(str).to_numpy()
    raters = responses["rater_id"].astype(str).to_numpy()
    relations = responses["relation"].astype(str).to_numpy()
    is_self = relations == SELF
    own_scores = _own_scores(data, is_self) if site_scales else None
    own_row = np.cumsum(is_self) - 1
    rows_of = pd.Series(np.arange(len(responses))).groupby(ratees).indices
    directory = data.people.assign(person_id=data.people["person_id"].astype(str))
    details = directory.drop_duplicates("person_id").set_index("person_id")
    found = comments or {}
    inputs: dict[str, PersonData] = {}
    for pid in people:
        rows = np.asarray(rows_of.get(pid, np.array([], dtype=np.intp)))
        own, others = rows[is_self[rows]], rows[~is_self[rows]]
        said = {k: found.get((pid, str(raters[k])), (None, None)) for k in rows.tolist()}
        # only forms of groups the report shows, never raised to the minimum by the manager
        speaking = others[comment_forms(labels[others], results.anonymity_minimum)].tolist()
        systems = {}
        if len(own) and own_scores is not None:
            systems = {sid: float(own_scores[own_row[own[0]], k]) for k, sid in site_scales}
        info = details.loc[pid]
        inputs[pid] = PersonData(
            person_id=pid,
            name=_text(info.get("name")) or pid,
            scores=scores.get(pid, table.iloc[0:0]),
            observer_codes=data.values[others],
            observer_relations=tuple(str(r) for r in relations[others]),
            self_codes=data.values[own[0]].copy() if len(own) else None,
            organisation=_text(info.get("organisation")),
            site=_text(info.get("site")),
            role_title=_text(info.get("role_title")),
            own_comments=tuple(t for k in own.tolist() for t in said[k] if t),
            strengths=tuple(t for k in speaking if (t := said[k][0])),
            suggestions=tuple(t for k in speaking if (t := said[k][1])),
            comments_shown=bool(speaking),
            own_copy=own_copy,
            systems_self=systems,
            gaps=gaps.get(pid, gap_table.iloc[0:0]),
            competences=competences.get(pid, {}),
            change=changes.get(pid),
            plans=None if plans is None else plans.get(pid, ()),
        )
    return inputs


def _counted_pairs(data: WaveData, disclosure: WaveDisclosure) -> pd.DataFrame:
    """``ratee_id, rater_id`` of the observers behind a wave's published figures: not
    self, and with a published score on some practice (withheld forms are not counted)."""
    responses = data.responses.reset_index(drop=True)
    counted = disclosure.published.any(axis=1) & ~disclosure.is_self
    return responses.loc[counted, ["ratee_id", "rater_id"]]


def _changes(
    data: WaveData,
    results: ReviewResults,
    disclosure: WaveDisclosure,
    earlier: EarlierWave,
    people: Sequence[str],
) -> dict[str, PersonChange]:
    measurement = earlier.results.measurement
    reliability = (
        measurement.reliability
        if measurement is not None
        else pd.DataFrame(columns=["scale_id", "alpha"])
    )
    basis = change_basis(reliability, earlier.results.person_scores.observer_means)
    return person_changes(
        earlier.results.person_scores.table,
        results.person_scores.table,
        basis,
        person_scale_ids(data.framework),
        earlier_wave=earlier.data.wave,
        raters_before=_counted_pairs(earlier.data, earlier.disclosure),
        raters_after=_counted_pairs(data, disclosure),
        people=people,
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _with_actions(framework: Framework) -> Framework:
    """The wave's framework; the built-in one when they measure the same and only the
    built-in one carries development actions (waves stored before actions existed)."""
    if framework.has_actions:
        return framework
    built_in = load_framework()
    return built_in if built_in.fingerprint == framework.fingerprint else framework


# ---------------------------------------------------------------------------- writing


def _render_batch(wave: WaveContext, stamp: str, batch: list[tuple[PersonData, Path]]) -> int:
    for person, target in batch:
        write_html(render_person_html(wave, person, generated_at=stamp), target)
    return len(batch)


def _render_all(
    wave: WaveContext,
    inputs: dict[str, PersonData],
    out_dir: Path,
    stamp: str,
    jobs: int | None,
    progress: Progress | None,
) -> list[Path]:
    total = len(inputs)
    targets = {pid: out_dir / person_file_name(pid) for pid in inputs}
    work = [(person, targets[pid]) for pid, person in inputs.items()]
    workers = max(1, min(jobs or os.cpu_count() or 1, total))
    if workers == 1 or total < SERIAL_BELOW:
        for done, item in enumerate(work, start=1):
            _render_batch(wave, stamp, [item])
            if progress is not None:
                progress(done, total)
        return list(targets.values())
    # Small batches keep the hand-overs few and the progress reports frequent.
    size = max(1, min(BATCH, total // (workers * 4)))
    with ThreadPoolExecutor(workers, thread_name_prefix="person-report") as pool:
        pending: set[Future[int]] = {
            pool.submit(_render_batch, wave, stamp, work[k : k + size])
            for k in range(0, total, size)
        }
        done = 0
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished:
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                done += future.result()
                if progress is not None:
                    progress(done, total)
    return list(targets.values())


def write_person_reports(
    database_url: str,
    review: str,
    wave: str | None,
    out_dir: Path,
    *,
    people: list[str] | None = None,
    minimum: int,
    norms: Mapping[str, Norm] | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write one individual 360 report per person to ``out_dir/<person_id>.html``.

    Each page also shows the person's change since the review's earlier wave (the latest
    closed one before ``wave`` with the same framework, :func:`earlier_wave_data`), when
    there is one, and their development plans of this wave or earlier (:func:`person_plans`).

    Parameters
    ----------
    database_url
        The colead database.
    review, wave
        The review and wave (the latest when ``wave`` is None).
    out_dir
        Folder for the pages (created when missing).
    people
        Person ids to report on; None for everyone with at least one completed form about
        them. A listed person with no forms still gets a page that says so.
    minimum
        Anonymity minimum.
    norms
        Norm per scale id; each page then places the person's observer means among them.
    jobs
        Rendering threads (default: one per CPU; 1 renders in the calling thread).
    progress
        Called with (pages done, pages in all) after each page.

    Returns
    -------
    list of Path
        The files written, in the order of ``people`` (sorted ids when None).

    Raises
    ------
    UnknownPerson
        When a requested id is not a person of the review (nothing is written).
    """
    check_output_dir(out_dir)
    now = datetime.now(UTC)
    engine = open_database(database_url)
    earlier_data: WaveData | None = None
    plans: dict[str, tuple[PlanDetail, ...]] = {}
    try:
        with snapshot(engine) as session:
            review_row = get_review(session, review)
            wave_row = published_wave(session, review_row, wave)
            framework = load_framework_version(session, wave_row.framework_version_id)
            data = load_wave_data(session, review_row, wave_row, framework)
            chosen = rated_people(data) if people is None else _check_people(data, people)
            comments = wave_comments(session, review_row, wave_row) if chosen else {}
            if chosen:
                earlier_data = earlier_wave_data(session, review_row, wave_row, framework)
                plans = person_plans(session, review_row, wave_row, chosen, now.date())
    finally:
        engine.dispose()
    prepare_output_dir(out_dir)
    if not chosen:
        return []
    results = analyse_wave(data, minimum)
    earlier = analyse_earlier(earlier_data, minimum) if earlier_data is not None else None
    shared = wave_context(
        results,
        _with_actions(framework),
        norms=norms,
        earlier_wave=earlier.data.wave if earlier is not None else None,
    )
    inputs = person_inputs(data, results, chosen, comments, earlier=earlier, plans=plans)
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")
    return _render_all(shared, inputs, out_dir, stamp, jobs, progress)
