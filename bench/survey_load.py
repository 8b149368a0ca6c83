"""Benchmark: survey submissions against `colead serve`, bounded in time, on loopback.

Stores a simulated review (small: 300 people, ~2,850 forms), opens its follow-up wave and
issues a survey link per form, then starts the real server (uvicorn, ``--workers``) and
drives it from this process with an asyncio HTTP client at a fixed concurrency for
``--seconds``. A "submission" is one POST of a page of answers (the server saves it and
redirects), which is what a rater's browser sends; every 4th form also POSTs submit.

Afterwards the database is read back: one row per form touched, no duplicates, each
holding the answers of its last acknowledged POST, and every acknowledged submit marked
submitted. Figures: submissions per second and the latency percentiles seen by the client.
The client shares the machine's two cores with the server, so the throughput is a floor.

    python bench/survey_load.py [--workers 2] [--seconds 20] [--concurrency 32] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from colead.framework import load_framework
from colead.invitations import issue_invitations
from colead.lifecycle import create_draft_wave, open_wave
from colead.pipeline import init_database, open_database, store_simulation
from colead.simulate import simulate
from colead.store import transaction
from colead.store.schema import Assignment, Response
from colead.store.waves import hash_token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(url: str) -> tuple[list[str], list[str]]:
    """Store a review, open its latest wave; return fresh tokens and page-1 item ids."""
    framework = load_framework()
    init_database(url)
    engine = open_database(url)
    try:
        stored = store_simulation(engine, simulate(framework, "small", seed=5), framework)
        # The simulated waves hold finished answers; a new wave is the one raters answer.
        with transaction(engine) as session:
            create_draft_wave(session, stored.review, "live", framework, actor="bench")
            _copy_assignments(session, stored.review)
        with transaction(engine) as session:
            open_wave(session, stored.review, "live", actor="bench")
        with transaction(engine) as session:
            links = issue_invitations(session, stored.review, "live", "http://bench")
        tokens = [str(u).rsplit("/", 1)[1] for u in links.table["survey_url"]]
    finally:
        engine.dispose()
    first_scale = framework.families[0].scales[0]
    return tokens, [item.id for item in first_scale.items]


def _copy_assignments(session: object, review: str) -> None:
    """The live wave asks the same raters as the first wave (observers only)."""
    from colead.store.reviews import get_review
    from colead.store.waves import add_assignments, get_wave, list_waves

    target = get_review(session, review)  # type: ignore[arg-type]
    first = list_waves(session, target.id)[0]  # type: ignore[arg-type]
    live = get_wave(session, target, "live")  # type: ignore[arg-type]
    pairs = session.execute(  # type: ignore[attr-defined]
        select(Assignment.ratee_id, Assignment.rater_id, Assignment.relation).where(
            Assignment.wave_id == first.id, Assignment.relation != "self"
        )
    ).all()
    add_assignments(session, live.id, [tuple(p) for p in pairs])  # type: ignore[arg-type]


async def _drive(
    base: str, tokens: list[str], items: list[str], seconds: float, concurrency: int
) -> tuple[list[float], dict[str, dict[str, str]], set[str], int]:
    latencies: list[float] = []
    last: dict[str, dict[str, str]] = {}
    submitted: set[str] = set()
    errors = 0
    deadline = time.perf_counter() + seconds
    queue = list(tokens)
    random.Random(1).shuffle(queue)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10.0) as client:

        async def worker(k: int) -> None:
            nonlocal errors
            rng = random.Random(k)
            # Each form belongs to one client, so its last acknowledged answers are well
            # defined (concurrent writes to one form are ordered by the server, not here).
            mine = queue[k::concurrency]
            n = 0
            while time.perf_counter() < deadline:
                token = mine[n % len(mine)]
                n += 1
                answers = {item: str(rng.randint(1, 5)) for item in items}
                started = time.perf_counter()
                reply = await client.post(f"/s/{token}/page/1", data={**answers, "action": "next"})
                latencies.append(time.perf_counter() - started)
                if reply.status_code != 303:
                    errors += 1
                    continue
                last[token] = answers
                if n % 4 == 0:
                    done = await client.post(f"/s/{token}/submit")
                    if done.status_code == 303:
                        submitted.add(token)
                    else:
                        errors += 1

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return latencies, last, submitted, errors


def _check(url: str, items: list[str], last: dict[str, dict[str, str]], submitted: set[str]) -> str:
    """Read back every form: one row each, holding the last acknowledged answers."""
    framework = load_framework()
    positions = [framework.item_ids.index(item) for item in items]
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(Assignment.token_hash, Response.item_values, Response.submitted_at).join(
                    Response, Response.assignment_id == Assignment.id
                )
            ).all()
            per_form = session.execute(
                select(Response.assignment_id, func.count()).group_by(Response.assignment_id)
            ).all()
    finally:
        engine.dispose()
    stored = {digest: (values, when) for digest, values, when in rows}
    lost = 0
    for token, answers in last.items():
        values, _ = stored.get(hash_token(token), (b"", None))
        codes = [int.from_bytes(values[k : k + 1], signed=True) for k in positions]
        lost += codes != [int(answers[item]) for item in items]
    unmarked = sum(1 for t in submitted if stored.get(hash_token(t), (b"", None))[1] is None)
    duplicates = sum(1 for _, count in per_form if count > 1)
    answered = sum(1 for t in last if hash_token(t) in stored)
    return (
        f"forms answered {len(last):,}, with a stored row {answered:,}, duplicates "
        f"{duplicates}, last answers lost {lost}; submits acknowledged {len(submitted):,}, "
        f"not marked submitted {unmarked}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--db", default=None, help="scratch database URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'load.db'}"
        tokens, items = _prepare(url)
        port = _free_port()
        env = {**os.environ, "COLEAD_DATABASE_URL": url}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "colead.web.app:create_app_from_environment",
             "--factory", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(args.workers), "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{base}/s/unknown", timeout=1.0)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            latencies, last, submitted, errors = asyncio.run(
                _drive(base, tokens, items, args.seconds, args.concurrency)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        counts = _check(url, items, last, submitted)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(0.99 * (len(ordered) - 1))] * 1000
    print(
        f"database {url.split(':')[0]}, {args.workers} workers, {args.concurrency} concurrent "
        f"clients, {args.seconds:.0f} s"
    )
    print(
        f"page submissions: {len(latencies):,} ({len(latencies) / args.seconds:,.0f}/s), "
        f"errors {errors}; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(counts)


if __name__ == "__main__":
    main()
