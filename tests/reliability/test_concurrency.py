"""Fifty raters at once, with an import and the analysis running: nothing is lost, no
database failure reaches a rater, and the results are those of a quiet database.

``colead serve`` (two worker processes) answers an open wave. Fifty rater devices, each a
thread with its own keep-alive connection, fill in their forms page by page, go back and
change earlier answers, add a comment and submit, then keep editing their submitted forms
until the background work is done. Pairs of devices post the same form at the same moment,
round after round, with different answers to every question. Meanwhile ``colead import``
adds KPI values to the same review, another process stores a second review (one long write
transaction), and a third analyses the live wave again and again.

Afterwards every form must hold exactly what its device last had acknowledged (a contested
form: one of the two last posts, whole), the imports must be complete, SQLite must pass
``PRAGMA integrity_check``, and the analysis must equal that of a database built quietly,
one form at a time, with the same answers. Figures are printed for docs/reliability.md
(run with ``-s``).
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from builders import default_framework
from colead.analysis.export import results_to_dict
from colead.domain import Relation
from colead.fieldwork.lifecycle import close_wave
from colead.fieldwork.survey import SurveyForm, build_form
from colead.ingest.importing import import_file
from colead.jobs.analyse import analyse_review
from colead.store import backup as store_backup
from colead.store import make_engine, open_database, transaction
from colead.store.reviews import get_review
from colead.store.schema import Assignment, Kpi, Person, Response, Review, Site, Wave
from colead.store.survey import save_answers
from colead.store.waves import hash_token
from reliability.databases import sibling_database
from reliability.live_wave import LiveWave, Server, open_live_wave
from reliability.raters import Contest, Device, FormState, Ledger

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

#: rater devices posting at once; COLEAD_RELIABILITY_RATERS asks for more (or fewer)
RATERS = int(os.environ.get("COLEAD_RELIABILITY_RATERS", "50"))
#: forms each device fills in on its own
FORMS_EACH = 3
#: times the two devices of a pair post their shared form at the same moment
CONTEST_ROUNDS = 3
#: seconds of editing once the devices are going: they stop as soon as the imports are
#: done and the analysis has run twice, or once after LOAD_BUDGET seconds (a busy machine),
#: and in any case after LOAD_LIMIT seconds (the test then fails)
LOAD_BUDGET = float(os.environ.get("COLEAD_RELIABILITY_LOAD_SECONDS", "12"))
LOAD_LIMIT = 120.0
#: KPIs the import adds, one value per site and quarter
NEW_KPIS = ("Concurrent check: callouts closed (%)", "Concurrent check: spend (kGBP)")
QUARTERS = tuple(f"{year}-Q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4))

#: Each helper process below loads its modules, says "ready" and waits for a line on its
#: input, so that its work starts while the raters are busy rather than before them, and
#: says "finished" when its work is done (a loaded interpreter is slow to exit).

#: Analyses every submitted form of the live wave, as its close will, until the stop file
#: exists, printing a line per run (an open wave publishes no results, but reading all of
#: it in one snapshot while raters write is the load the close and the console put on it).
#: argv: database URL, review name, stop file.
ANALYSING_HOST = """
import os, sys
from colead.analysis import analyse_wave
from colead.store import make_engine
from colead.store.engine import snapshot
from colead.store.reviews import get_review, load_framework_version
from colead.store.waves import get_wave, load_wave_data

engine = make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
runs = 0
while runs == 0 or not os.path.exists(sys.argv[3]):
    with snapshot(engine) as session:
        review = get_review(session, sys.argv[2])
        wave = get_wave(session, review, "live")
        framework = load_framework_version(session, wave.framework_version_id)
        data = load_wave_data(session, review, wave, framework, published_only=False)
    analyse_wave(data, 3)
    runs += 1
    print("analysed", runs, flush=True)
print("finished", flush=True)
"""

#: ``colead import kpis FILE --review REVIEW --db URL`` (the command line itself, in this
#: process). argv: database URL, review name, file.
IMPORTING_HOST = """
import sys
from colead.cli import app
import colead.ingest.importing  # loaded by the command on first use: load it before the go

print("ready", flush=True)
sys.stdin.readline()
try:
    app(["import", "kpis", sys.argv[3], "--review", sys.argv[2], "--db", sys.argv[1]])
except SystemExit as stopped:
    print("finished", stopped.code, flush=True)
    raise
"""

#: Stores a second simulated review in one transaction (the import path of a review).
SECOND_REVIEW_HOST = """
import sys
from colead.framework import load_framework
from colead.store import open_database
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate

framework = load_framework()
simulated = simulate(framework, "small", seed=99)
engine = open_database(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print("finished", store_simulation(engine, simulated, framework).review, flush=True)
"""


class Helper:
    """A helper process started from one of the scripts above."""

    def __init__(self, script: str, *arguments: str) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("COLEAD_")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)

    def wait_ready(self) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == "ready", self._errors()
        self._reader.start()

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.close()

    @property
    def finished(self) -> str | None:
        """The "finished" line, once the work is done."""
        return next((line for line in self.lines if line.startswith("finished")), None)

    def close(self) -> int:
        """Wait for the exit (killing a process that hangs); returns the exit code."""
        try:
            self.process.wait(timeout=120)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=30)
            self._reader.join(timeout=30)
        return self.process.returncode

    def check(self) -> None:
        assert self.close() == 0, self._errors()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    def _errors(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()


def test_raters_an_import_and_the_analysis_at_once_lose_nothing(
    database_url: str, tmp_path: Path
) -> None:
    live = open_live_wave(database_url, seed=5)
    form = build_form(default_framework(), Relation.peer)
    tokens = list(live.tokens)
    random.Random(20261129).shuffle(tokens)
    own = [tokens[k * FORMS_EACH : (k + 1) * FORMS_EACH] for k in range(RATERS)]
    shared = tokens[RATERS * FORMS_EACH :]
    contests = [
        Contest(shared[k], threading.Barrier(2, timeout=120), CONTEST_ROUNDS)
        for k in range(RATERS // 2)
    ]
    kpi_file = _kpi_file(tmp_path / "kpis.csv", database_url, live.review)
    backend = make_url(database_url).get_backend_name()

    server = Server(database_url, workers=2)
    stop = threading.Event()
    stop_file = tmp_path / "stop-analysing"
    helpers: list[Helper] = []
    try:
        analysis = Helper(ANALYSING_HOST, database_url, live.review, str(stop_file))
        kpis = Helper(IMPORTING_HOST, database_url, live.review, str(kpi_file))
        second = Helper(SECOND_REVIEW_HOST, database_url)
        helpers += [analysis, kpis, second]
        server.start()
        for helper in helpers:
            helper.wait_ready()
        started = time.monotonic()
        with ThreadPoolExecutor(RATERS) as pool:
            running = [
                pool.submit(
                    Device(server.port, form, seed=k).run,
                    own[k],
                    contests[k // 2] if k // 2 < len(contests) else None,
                    k % 2,
                    stop,
                )
                for k in range(RATERS)
            ]
            time.sleep(0.5)  # the raters are under way
            for helper in helpers:
                helper.go()
            while not _load_done(time.monotonic() - started, kpis, second, analysis):
                time.sleep(0.1)
            under_load = len(analysis.lines)
            stop.set()
            ledgers = [future.result(timeout=600) for future in running]
        elapsed = time.monotonic() - started
        stop_file.touch()
        for helper in helpers:
            helper.check()
    finally:
        stop.set()
        for helper in helpers:
            helper.close()
        server.kill()

    failures = [f for ledger in ledgers for f in ledger.failures]
    leaked = [f for ledger in ledgers for f in ledger.leaked]
    assert failures == [], failures[:10]
    assert leaked == [], leaked[:10]
    assert kpis.finished == "finished 0"
    assert second.finished is not None
    second_review = second.finished.removeprefix("finished ")
    runs = len(analysis.lines) - 1
    assert under_load >= 1

    stored = _stored_forms(database_url, live.wave_id)
    lost = _check_own_forms(ledgers, stored, form)
    assert lost == [], lost[:10]
    winners = _check_contests(contests, stored, form)
    _check_imports(database_url, live.review, second_review, len(_kpi_rows(kpi_file)))
    if backend == "sqlite":
        path = Path(make_url(database_url).database or "")
        assert store_backup.integrity_problems(path) == []

    with sibling_database(database_url, tmp_path) as quiet_url:
        _build_quietly(quiet_url, live, stored, kpi_file)
        assert _results(database_url, live.review) == _results(quiet_url, live.review)

    requests = sum(ledger.requests for ledger in ledgers)
    print(
        f"concurrency ({backend}): {RATERS} raters, {requests:,} requests in {elapsed:.1f} s "
        f"({requests / elapsed:,.0f}/s), {sum(len(ledger.forms) for ledger in ledgers)} own "
        f"forms with {sum(ledger.edits for ledger in ledgers):,} edits of earlier answers "
        f"and {sum(ledger.submits for ledger in ledgers):,} submissions, {len(contests)} "
        f"contested forms x {CONTEST_ROUNDS} simultaneous posts (last write won: "
        f"{winners[0]} / {winners[1]} by side), {len(_kpi_rows(kpi_file))} KPI rows by "
        f"colead import and a second review stored, {runs} analyses ({under_load} "
        f"while raters posted); slowest answer {max(ledger.slowest for ledger in ledgers):.2f} "
        f"s; 0 lost, 0 mixed, 0 HTTP errors, 0 database errors shown, no retries needed, "
        f"results equal a quiet run"
    )


def _load_done(elapsed: float, kpis: Helper, second: Helper, analysis: Helper) -> bool:
    """Whether the raters may stop: both imports done and the analysis run twice while
    they post (once will do after LOAD_BUDGET seconds, nothing more after LOAD_LIMIT)."""
    if elapsed > LOAD_LIMIT:
        return True
    imported = kpis.finished is not None and second.finished is not None
    runs = len(analysis.lines)
    return imported and (runs >= 2 or (runs >= 1 and elapsed > LOAD_BUDGET))


def _kpi_file(path: Path, url: str, review: str) -> Path:
    """New KPIs for every site of the review and every quarter of two years."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            found = get_review(session, review)
            sites = list(
                session.scalars(
                    select(Site.name).where(Site.review_id == found.id).order_by(Site.name)
                )
            )
    finally:
        engine.dispose()
    rng = random.Random(44001)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["site", "period", "kpi", "value", "higher_is_better", "target"])
        for kpi in NEW_KPIS:
            for site in sites:
                for quarter in QUARTERS:
                    writer.writerow([site, quarter, kpi, round(rng.uniform(60, 99), 2), 1, 95])
    return path


def _kpi_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


Stored = dict[str, tuple[bytes, str | None, bool, tuple[str, str, str]]]


def _stored_forms(url: str, wave_id: int) -> Stored:
    """Every stored form of the wave by its link's hash: answers, first comment, whether
    submitted, and who rates whom in which relation (the form's identity in any copy)."""
    engine = make_engine(url)
    rater = Person.__table__.alias("rater")
    ratee = Person.__table__.alias("ratee")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    Assignment.token_hash,
                    Response.item_values,
                    Response.comment_strengths,
                    Response.submitted_at,
                    ratee.c.external_id,
                    rater.c.external_id,
                    Assignment.relation,
                )
                .join(Response, Response.assignment_id == Assignment.id)
                .join(ratee, ratee.c.id == Assignment.ratee_id)
                .join(rater, rater.c.id == Assignment.rater_id)
                .where(Assignment.wave_id == wave_id)
            ).all()
    finally:
        engine.dispose()
    return {
        digest: (bytes(values), comment, submitted is not None, (a, b, relation))
        for digest, values, comment, submitted, a, b, relation in rows
    }


def _check_own_forms(ledgers: list[Ledger], stored: Stored, form: SurveyForm) -> list[str]:
    """Links whose stored form differs from what their device last had acknowledged."""
    lost = []
    for ledger in ledgers:
        for token, state in ledger.forms.items():
            found = stored.get(hash_token(token))
            expected = (state.codes(form), state.comment, state.submitted)
            if found is None or found[:3] != expected:
                lost.append(token)
    return lost


def _check_contests(contests: list[Contest], stored: Stored, form: SurveyForm) -> tuple[int, int]:
    """Each contested form holds one side's last post whole; returns wins by side."""
    wins = [0, 0]
    for contest in contests:
        assert set(contest.last) == {0, 1}, "a simultaneous post was not acknowledged"
        assert contest.submitted
        codes, _comment, submitted, _who = stored[hash_token(contest.token)]
        assert submitted
        sides = {
            side: FormState(pages={1: answers}).codes(form)
            for side, answers in contest.last.items()
        }
        assert codes in sides.values(), f"{contest.token}: a mix of two posts"
        wins[0 if codes == sides[0] else 1] += 1
    return wins[0], wins[1]


def _check_imports(url: str, review: str, second_review: str, kpi_rows: int) -> None:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            target = get_review(session, review)
            added = session.scalar(
                select(func.count(Kpi.id)).where(Kpi.review_id == target.id, Kpi.name.in_(NEW_KPIS))
            )
            assert added == kpi_rows
            other = session.scalar(select(Review.id).where(Review.name == second_review))
            assert other is not None
            people = session.scalar(select(func.count(Person.id)).where(Person.review_id == other))
            assert people == 300
    finally:
        engine.dispose()


def _build_quietly(quiet_url: str, live: LiveWave, stored: Stored, kpis: Path) -> None:
    """The same review and wave at ``quiet_url`` (same seed), then each stored form written
    by one writer, one form at a time, and the same KPI file imported."""
    quiet = open_live_wave(quiet_url, seed=5)
    engine = make_engine(quiet_url)
    rater = Person.__table__.alias("rater")
    ratee = Person.__table__.alias("ratee")
    try:
        with transaction(engine) as session:
            version = session.scalar(
                select(Wave.framework_version_id).where(Wave.id == quiet.wave_id)
            )
            ids = {
                (a, b, relation): pk
                for pk, a, b, relation in session.execute(
                    select(
                        Assignment.id, ratee.c.external_id, rater.c.external_id, Assignment.relation
                    )
                    .join(ratee, ratee.c.id == Assignment.ratee_id)
                    .join(rater, rater.c.id == Assignment.rater_id)
                    .where(Assignment.wave_id == quiet.wave_id)
                )
            }
        assert version is not None
        for codes, comment, submitted, who in stored.values():
            with transaction(engine) as session:
                save_answers(session, ids[who], version, codes, comment, None, submit=submitted)
    finally:
        engine.dispose()
    outcome = import_file(quiet_url, "kpis", kpis, review=live.review)
    assert outcome.rejected == 0 and outcome.imported == len(_kpi_rows(kpis))


def _results(url: str, review: str) -> dict[str, object]:
    """The live wave's published results: closed (so its answers are released), analysed."""
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            close_wave(session, review, "live", minimum=3, actor="test")
        return results_to_dict(analyse_review(engine, review, "live", 3))
    finally:
        engine.dispose()
