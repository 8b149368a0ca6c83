"""Benchmark: survey submissions against `colead serve`, bounded in time, on loopback.

Stores a simulated review (small: 300 people, ~2,850 forms), opens its follow-up wave and
issues a survey link per form, then starts the real server (`colead serve --workers N`)
and drives it from this process with a lean asyncio HTTP/1.1 client (one keep-alive
connection per simulated rater device) at a fixed concurrency for ``--seconds``. A
"submission" is one POST of a page of answers (the server saves it and redirects), which
is what a rater's browser sends; every 4th form also POSTs submit (timed apart).

Afterwards the database is read back: one row per form touched, no duplicates, each
holding the answers of its last acknowledged POST, and every acknowledged submit marked
submitted. Printed in one run: the machine and server set-up (database and its durability
setting, HTTP implementation), the load average before and after, the CPU seconds used by
the server processes and by this client, submissions per second, latency percentiles and
the read-back counts. The client shares the machine's cores with the server, so the
throughput is a floor.

    python bench/survey_load.py [--workers 2] [--seconds 20] [--concurrency 8] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from colead.fieldwork.invitations import issue_invitations
from colead.fieldwork.lifecycle import create_draft_wave, open_wave
from colead.framework import load_framework
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate
from colead.store import init_database, open_database, transaction
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


class _Connection:
    """One keep-alive HTTP/1.1 connection, speaking just enough of the protocol for these
    requests. A lean client on purpose: it shares the two cores with the server, and a
    general client (httpx) spent about as much CPU per request as the server did."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> int:
        """Send a form POST and read the whole reply; its status code."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode("ascii")
            + body
        )
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head[9:12])
        headers = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
        if headers.get("transfer-encoding", "").strip() == "chunked":
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").strip() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


@dataclass
class _Drive:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    submit_latencies: list[float] = field(default_factory=list)
    #: the last acknowledged answers of each form, by token
    last: dict[str, dict[str, str]] = field(default_factory=dict)
    submitted: set[str] = field(default_factory=set)
    errors: int = 0
    client_cpu: float = 0.0


async def _drive(
    port: int, tokens: list[str], items: list[str], seconds: float, concurrency: int
) -> _Drive:
    seen = _Drive()
    deadline = time.perf_counter() + seconds
    queue = list(tokens)
    random.Random(1).shuffle(queue)
    cpu_before = time.process_time()

    async def worker(k: int) -> None:
        rng = random.Random(k)
        connection = _Connection("127.0.0.1", port)
        # Each form belongs to one client, so its last acknowledged answers are well
        # defined (concurrent writes to one form are ordered by the server, not here).
        mine = queue[k::concurrency]
        n = 0
        try:
            while time.perf_counter() < deadline:
                token = mine[n % len(mine)]
                n += 1
                answers = {item: str(rng.randint(1, 5)) for item in items}
                body = urlencode({**answers, "action": "next"}).encode("ascii")
                started = time.perf_counter()
                status = await connection.post(f"/s/{token}/page/1", body)
                seen.latencies.append(time.perf_counter() - started)
                if status != 303:
                    seen.errors += 1
                    continue
                seen.last[token] = answers
                if n % 4 == 0:
                    started = time.perf_counter()
                    status = await connection.post(f"/s/{token}/submit", b"")
                    seen.submit_latencies.append(time.perf_counter() - started)
                    if status == 303:
                        seen.submitted.add(token)
                    else:
                        seen.errors += 1
        finally:
            await connection.close()

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    seen.client_cpu = time.process_time() - cpu_before
    return seen


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


def _process_tree_cpu(root: int) -> float | None:
    """CPU seconds (user and system) used so far by a process and its children (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])))
    if root not in stats:
        return None
    tree: set[int] = set()
    grown = {root}
    while grown:  # the workers, their children, and so on
        tree |= grown
        grown = {pid for pid, (parent, _) in stats.items() if parent in tree} - tree
    return sum(stats[pid][1] for pid in tree) / ticks


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[int(share * (len(ordered) - 1))] * 1000 if ordered else float("nan")


def _setup_line(url: str, workers: int) -> str:
    """The machine and the server's set-up, for comparing runs."""
    from importlib.util import find_spec

    import uvicorn

    from colead.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                sync = connection.exec_driver_sql("PRAGMA synchronous").scalar()
                names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
                database = f"SQLite {sqlite3.sqlite_version} ({journal}, synchronous={names[sync]})"
            else:
                version = connection.exec_driver_sql("SHOW server_version").scalar()
                database = f"PostgreSQL {version}"
    finally:
        engine.dispose()
    http = "httptools" if find_spec("httptools") else "h11"
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    return (
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"server: colead serve --workers {workers}, uvicorn {uvicorn.__version__} "
        f"({http}, {loop}), {database}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--db", default=None, help="scratch database URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'load.db'}"
        tokens, items = _prepare(url)
        setup = _setup_line(url, args.workers)
        port = _free_port()
        # The server as operators run it: `colead serve`.
        server = subprocess.Popen(
            [sys.executable, "-m", "colead", "serve", "--db", url, "--port", str(port),
             "--workers", str(args.workers)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for(port, args.workers)
            load_before = os.getloadavg()[0]
            server_cpu = _process_tree_cpu(server.pid)
            seen = asyncio.run(_drive(port, tokens, items, args.seconds, args.concurrency))
            server_after = _process_tree_cpu(server.pid)
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=30)
        counts = _check(url, items, seen.last, seen.submitted)
    ordered = sorted(seen.latencies)
    submits = sorted(seen.submit_latencies)
    requests = max(1, len(ordered) + len(submits))
    busy = (
        f"server {server_after - server_cpu:.1f} s "
        f"({(server_after - server_cpu) / requests * 1000:.2f} ms per request)"
        if server_cpu is not None and server_after is not None
        else "server n/a"
    )
    print(setup)
    print(
        f"load: {args.concurrency} concurrent clients (keep-alive connections) for "
        f"{args.seconds:.0f} s; machine load average (1 min) {load_before:.2f} before, "
        f"{load_after:.2f} after; CPU used: {busy}, client {seen.client_cpu:.1f} s "
        f"(of {args.seconds * (os.cpu_count() or 1):.0f} s available)"
    )
    print(
        f"page submissions: {len(ordered):,} ({len(ordered) / args.seconds:,.0f}/s), "
        f"errors {seen.errors}; latency p50 {_percentile(ordered, 0.5):.1f} ms, "
        f"p90 {_percentile(ordered, 0.9):.1f} ms, p99 {_percentile(ordered, 0.99):.1f} ms, "
        f"max {_percentile(ordered, 1.0):.1f} ms"
    )
    print(
        f"submits: {len(submits):,}; latency p50 {_percentile(submits, 0.5):.1f} ms, "
        f"p99 {_percentile(submits, 0.99):.1f} ms"
    )
    print(counts)


def _wait_for(port: int, workers: int) -> None:
    """Until the server answers (it checks the database first), on every worker."""
    answered = 0
    for _ in range(300):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5.0)
        try:
            connection.request("GET", "/s/unknown")
            connection.getresponse().read()
            answered += 1
            if answered >= 4 * workers:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
