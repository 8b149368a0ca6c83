"""Benchmark: the console's results dashboard, cold (first view) and warm (cached).

Stores a simulated review, logs an admin in through a TestClient and times, in one process:

* the baseline: ``analyse_review`` of the wave alone (what every view cost before the cache);
* cold: the dashboard GET with an empty results cache (analysis, shaping, charts, page);
* warm: the dashboard GET again (fingerprint query, cached content, page);
* the wave's progress page after the wave is reopened: an open wave publishes participation
  only (its dashboard answers "published when it closes"), and its fingerprint also passes
  over its forms, since raters may be submitting;
* closing the wave again, which checks and releases its answers (``release_answers``);
* the fingerprint query alone, closed and open.

Cold runs and the baseline are the median of ``--repeat`` runs, warm ones of
``--warm-repeat``; quote warm time and the ratios to the baseline.

    python bench/dashboard_speed.py [--size large] [--repeat 3] [--warm-repeat 10] [--db URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient

from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.fieldwork.lifecycle import close_wave, open_wave
from colead.framework import load_framework
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate
from colead.store import init_database, open_database, transaction
from colead.store.audit import wave_fingerprint
from colead.web import create_app

EMAIL = "bench@example.org"
PASSWORD = "a long enough bench password"
MINIMUM = 3


def median_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-repeat", type=int, default=10)
    parser.add_argument("--db", default=None, help="a scratch database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        run(url, args.size, args.repeat, args.warm_repeat, Path(folder))


def run(url: str, size: str, repeat: int, warm_repeat: int, folder: Path) -> None:
    framework = load_framework()
    init_database(url)
    engine = open_database(url)
    started = time.perf_counter()
    simulated = simulate(framework, size=size, seed=1)
    stored = store_simulation(engine, simulated, framework)
    with transaction(engine) as session:
        create_admin(session, EMAIL, PASSWORD)
    wave = stored.waves[-1]
    took = time.perf_counter() - started
    print(f"{size}: {len(simulated.people)} people, simulated and stored in {took:.1f} s")

    baseline = median_of(repeat, lambda: analyse_review(engine, stored.review, wave, MINIMUM))

    def fingerprint() -> object:
        with transaction(engine) as session:
            return wave_fingerprint(session, stored.review, wave)

    query = median_of(warm_repeat, fingerprint)

    settings = load_settings(database_url=url, data_dir=str(folder / "data"))
    path = f"/admin/reviews/{quote(stored.review, safe='')}/waves/{quote(wave, safe='')}/results"
    with TestClient(create_app(settings), follow_redirects=False) as client:
        login = client.get("/admin/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', login)
        assert token is not None
        client.post(
            "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token.group(1)}
        )

        def view() -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        def cold() -> None:
            client.app.state.results.clear()  # type: ignore[attr-defined]
            view()

        cold_time = median_of(repeat, cold)
        view()  # fill the cache once more before the warm runs
        warm_time = median_of(warm_repeat, view)
        size_kb = len(client.get(path).content) / 1024
        with transaction(engine) as session:
            open_wave(session, stored.review, wave, reopen=True, actor="bench")
        assert client.get(path).status_code == 409  # results wait for the close

        def progress() -> None:
            response = client.get(path.removesuffix("/results") + "/progress")
            assert response.status_code == 200, response.status_code

        warm_open = median_of(warm_repeat, progress)
        query_open = median_of(warm_repeat, fingerprint)
        started = time.perf_counter()
        with transaction(engine) as session:
            close_wave(session, stored.review, wave, minimum=3, actor="bench")
        closing = time.perf_counter() - started
    engine.dispose()
    print(f"baseline: analyse_review alone      {baseline * 1000:8.0f} ms (median of {repeat})")
    print(f"dashboard cold (empty cache)        {cold_time * 1000:8.0f} ms")
    print(f"dashboard warm (cached)             {warm_time * 1000:8.0f} ms  page {size_kb:.0f} kB")
    print(f"progress page, wave open            {warm_open * 1000:8.0f} ms")
    print(f"closing it again (release check)    {closing * 1000:8.0f} ms")
    print(f"fingerprint query, closed / open    {query * 1000:8.1f} / {query_open * 1000:.1f} ms")
    print(f"cold / baseline {cold_time / baseline:.2f}x")
    print(
        f"warm / baseline {warm_time / baseline:.4f}x (closed), {warm_open / baseline:.3f}x "
        f"(open, progress page); close / baseline {closing / baseline:.3f}x"
    )


if __name__ == "__main__":
    main()
