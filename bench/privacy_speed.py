"""Benchmark: privacy operations against analysing the wave they touch.

A simulated review is stored (SQLite in a temporary folder, or ``--db`` for a scratch
PostgreSQL database); then, in the same process on the same database, the analysis of its
latest wave is the baseline and each operation is quoted as a ratio to it:

- the analysis read at one snapshot (``store.engine.snapshot``, what it uses) against the
  same reads in an ordinary transaction: the price of a consistent read;
- ``export_person`` of one person (everything stored about them, with their folded scores);
- ``erase_person`` keeping their answers about others, and with ``delete_ratings``
  (a different person each time: erasing is for good);
- ``purge`` of both waves, as a dry run and for real (once), with the retention's clock
  moved forward rather than the waves' dates moved back.

    PYTHONPATH=src python bench/privacy_speed.py [--size medium] [--repeat 3] [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from colead.framework import load_framework
from colead.jobs import analyse as analyse_job
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import store_simulation
from colead.privacy.person import erase_person, export_person
from colead.privacy.retention import purge, set_retention
from colead.simulation.review import simulate
from colead.store import init_database, open_database, transaction
from colead.store.engine import snapshot

ACTOR = "bench"


def _median_seconds(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="a scratch database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'privacy.db'}"
        # an empty data folder: the timings are of the database work
        uploads = Path(folder) / "data"
        init_database(url)
        engine = open_database(url)
        try:
            framework = load_framework()
            simulated = simulate(framework, size=args.size, seed=7)
            stored = store_simulation(engine, simulated, framework)
            review = stored.review
            people = iter(simulated.people["person_id"].astype(str).tolist())
            analysis = _median_seconds(lambda: analyse_review(engine, review, None, 3), args.repeat)
            # the same analysis with its reads in an ordinary transaction, for the ratio
            analyse_job.snapshot = transaction  # type: ignore[assignment]
            try:
                plain = _median_seconds(
                    lambda: analyse_review(engine, review, None, 3), args.repeat
                )
            finally:
                analyse_job.snapshot = snapshot

            export = _median_seconds(
                lambda: export_person(engine, review, next(people), minimum=3, actor=ACTOR),
                args.repeat,
            )
            erase = _median_seconds(
                lambda: erase_person(
                    engine,
                    review,
                    next(people),
                    delete_ratings=False,
                    actor=ACTOR,
                    data_dir=uploads,
                ),
                args.repeat,
            )
            erase_all = _median_seconds(
                lambda: erase_person(
                    engine,
                    review,
                    next(people),
                    delete_ratings=True,
                    actor=ACTOR,
                    data_dir=uploads,
                ),
                args.repeat,
            )
            set_retention(engine, review, 1, actor=ACTOR)
            later = datetime(2100, 1, 1, tzinfo=UTC)
            dry = _median_seconds(
                lambda: purge(
                    engine, review, data_dir=uploads, dry_run=True, actor=ACTOR, now=later
                ),
                args.repeat,
            )
            start = time.perf_counter()
            purged = purge(engine, review, data_dir=uploads, dry_run=False, actor=ACTOR, now=later)
            real = time.perf_counter() - start
        finally:
            engine.dispose()

    forms = sum(w.forms for w in purged)
    print(f"{args.size}: {len(simulated.people)} people, {forms} forms in {len(purged)} waves")
    print(f"  analysis of the latest wave (baseline): median {analysis:.2f} s")
    print(f"  same reads in an ordinary transaction:  {plain / analysis:.2f}x")
    for label, seconds in (
        ("export one person", export),
        ("erase one person, answers kept", erase),
        ("erase one person and their answers", erase_all),
        ("purge, dry run", dry),
        ("purge both waves (once)", real),
    ):
        print(f"  {label}: {seconds:.3f} s = {seconds / analysis:.3f}x the analysis")


if __name__ == "__main__":
    main()
