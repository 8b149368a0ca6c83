"""Every answer the server acknowledged survives ``kill -9``, of the server under load and
of a process writing through the core; nothing is ever half-written.

The server is killed at a random moment (seeded) while several rater devices post forms;
it is then restarted on the same database and every acknowledged save and submission is
looked for. Runs repeat until a time budget is spent, so the test stays bounded on a
slow machine and does more kills on a fast one. The figures are printed for
docs/reliability.md (run with ``-s``).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from builders import default_framework
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate
from colead.store import backup as store_backup
from colead.store import make_engine, open_database, transaction
from colead.store.schema import Person, Review
from colead.store.waves import hash_token
from reliability.live_wave import (
    LiveWave,
    Outcome,
    Server,
    Tally,
    answer_forms,
    open_live_wave,
    stored_forms,
)
from reliability.stored_review import snapshot, store_populated_review

pytestmark = [pytest.mark.reliability, pytest.mark.integration]

#: seconds of kill-and-restart runs per backend, after at least MIN_KILLS of them; each
#: restart costs a few seconds of start-up. COLEAD_RELIABILITY_KILLS asks for a longer run.
KILL_BUDGET = 20.0
MIN_KILLS = int(os.environ.get("COLEAD_RELIABILITY_KILLS", "2"))
MAX_KILLS = max(MIN_KILLS, 30)
#: rater devices posting at once
DEVICES = 6


def _run_until_killed(
    server: Server, live: LiveWave, tokens: list[str], rng: random.Random
) -> list[Outcome]:
    """Post forms from DEVICES threads and kill the server group 0.3-1.5 s into the load."""
    shares = [tokens[k::DEVICES] for k in range(DEVICES)]
    kill_at = rng.uniform(0.3, 1.5)
    with ThreadPoolExecutor(DEVICES) as pool:
        running = [
            pool.submit(answer_forms, server.port, share, live, rng.randrange(1000), 20.0)
            for share in shares
        ]
        time.sleep(kill_at)
        server.kill()
        return [future.result(timeout=60) for future in running]


def test_acknowledged_answers_survive_killing_the_server_under_load(database_url: str) -> None:
    live = open_live_wave(database_url, size="small")  # links for many runs
    rng = random.Random(20261129)
    unused = list(live.tokens)
    rng.shuffle(unused)
    backend = make_url(database_url).get_backend_name()
    tally = Tally()
    server = Server(database_url)
    started = time.monotonic()
    try:
        server.start()
        while tally.kills < MIN_KILLS or (
            time.monotonic() - started < KILL_BUDGET and tally.kills < MAX_KILLS
        ):
            if len(unused) < 100:
                break
            outcomes = _run_until_killed(server, live, unused, rng)
            tally.kills += 1
            used = {t for o in outcomes for t in o.sent}
            unused = [t for t in unused if t not in used]
            server.start()  # the restart recovers the database (SQLite replays its WAL)
            tally.add(live, outcomes, stored_forms(live))
    finally:
        server.kill()
    print(tally.line(f"server kill -9 under load ({backend})"))
    assert tally.kills >= 2
    assert tally.acknowledged > 0 and tally.submits > 0
    assert tally.refused == []
    assert tally.lost == []
    assert tally.half_written == []


#: Saves forms of the live wave through the core, one transaction each, and prints each
#: link once its transaction has committed. argv: database URL, the first page's item ids
#: (comma-separated), then the links.
SAVING_HOST = """
import sys
from colead.store import make_engine
from colead.fieldwork.survey import SurveyService

engine = make_engine(sys.argv[1])
items = sys.argv[2].split(",")
service = SurveyService(engine, 3)
for n, token in enumerate(sys.argv[3:]):
    answers = {item: [str((n + k) % 5 + 1)] for k, item in enumerate(items)}
    service.save_page(token, 1, answers, "next")
    print(token, flush=True)
"""


def test_a_killed_host_process_keeps_every_committed_form(database_url: str) -> None:
    live = open_live_wave(database_url, seed=6)
    items = [item for item, _ in live.page]
    tokens = list(live.tokens[:1500])
    child = subprocess.Popen(
        [
            sys.executable, "-c", SAVING_HOST, database_url, ",".join(items), *tokens,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    committed: list[str] = []
    target = random.Random(7).randint(60, 200)
    while len(committed) < target:
        line = child.stdout.readline()
        assert line, "the writer stopped before it was killed"
        committed.append(line.strip())
    child.kill()
    child.wait(timeout=30)
    # lines already in the pipe were printed after their commits, so they count too
    committed += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]
    _check_database_is_sound(database_url)
    forms = stored_forms(live)
    position = {token: n for n, token in enumerate(tokens)}
    for token in committed:
        found = forms.get(hash_token(token))
        n = position[token]
        assert found is not None, token
        assert found.codes == live.expected({item: (n + k) % 5 + 1 for k, item in enumerate(items)})
    # at most the one form whose transaction the kill interrupted is beyond the printed
    # ones, and it is whole (checked above for printed ones; here for that one)
    extra = [t for t in tokens if hash_token(t) in forms and t not in set(committed)]
    assert len(extra) <= 1
    for token in extra:
        n = position[token]
        assert forms[hash_token(token)].codes == live.expected(
            {item: (n + k) % 5 + 1 for k, item in enumerate(items)}
        )
    print(f"host kill -9 while saving: {len(committed)} committed forms, 0 lost")


#: Stores a second simulated review in one transaction (the import path), then says so.
IMPORTING_HOST = """
import sys
from colead.framework import load_framework
from colead.store import open_database
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate

framework = load_framework()
engine = open_database(sys.argv[1])
print("start", flush=True)
store_simulation(engine, simulate(framework, "small", seed=99), framework)
print("done", flush=True)
"""


def test_an_import_killed_midway_leaves_nothing_behind(database_url: str) -> None:
    store_populated_review(database_url)
    engine = make_engine(database_url)
    try:
        before = snapshot(engine)
    finally:
        engine.dispose()
    rng = random.Random(11)
    killed = 0
    for _ in range(2):
        child = subprocess.Popen(
            [sys.executable, "-c", IMPORTING_HOST, database_url],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.1, 0.6))
        child.kill()
        child.wait(timeout=60)
        if child.stdout.read().strip() == "done":
            continue  # finished before the kill: nothing to learn from this run
        killed += 1
        _check_database_is_sound(database_url)
        engine = make_engine(database_url)
        try:
            # all or nothing: the review being imported left no row at all
            assert snapshot(engine) == before
        finally:
            engine.dispose()
    assert killed >= 1
    # and the database takes the same import afterwards
    framework = default_framework()
    engine = open_database(database_url)
    try:
        store_simulation(engine, simulate(framework, "small", seed=99), framework)
        with transaction(engine) as session:
            assert session.scalar(select(func.count(Review.id))) == 2
            assert session.scalar(select(func.count(Person.id))) == 80 + 300
    finally:
        engine.dispose()
    print(f"host kill -9 during an import: {killed} imports killed midway, nothing partial")


def _check_database_is_sound(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert store_backup.integrity_problems(Path(url.database or "")) == []
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(select(func.count(Review.id))).scalar_one()
    finally:
        engine.dispose()
