"""Writers' turns on a SQLite file: one writer at a time across threads and processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from colead.store import make_engine
from colead.store.engine import writer_turn

#: Takes a writer's turn on the database named by argv[1], says so, and keeps it until a
#: line arrives on stdin (or the process is killed).
HOLDER = """
import sys
from colead.store import make_engine
from colead.store.engine import writer_turn

engine = make_engine(sys.argv[1])
with writer_turn(engine):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def start_holder(url: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    return holder


def turn_taken_in_thread(url: str) -> tuple[threading.Thread, threading.Event]:
    """A thread that waits for its turn on ``url``; the event is set once it has it."""
    taken = threading.Event()

    def take() -> None:
        engine = make_engine(url)
        try:
            with writer_turn(engine):
                taken.set()
        finally:
            engine.dispose()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    return thread, taken


def test_a_writer_in_another_process_waits_for_the_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    holder = start_holder(url)
    try:
        thread, taken = turn_taken_in_thread(url)
        assert not taken.wait(0.5)
        assert holder.stdin is not None
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert taken.wait(10)
        thread.join(10)
    finally:
        holder.kill()
        holder.wait()
    assert (tmp_path / "colead.db-writer").exists()


def test_a_killed_writer_gives_up_its_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    holder = start_holder(url)
    try:
        thread, taken = turn_taken_in_thread(url)
        assert not taken.wait(0.3)
        os.kill(holder.pid, signal.SIGKILL)
        assert taken.wait(10)
        thread.join(10)
    finally:
        holder.kill()
        holder.wait()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'colead.db'}")
    inside = 0
    most_inside = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most_inside
        for _ in range(20):
            with writer_turn(engine):
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                time.sleep(0.001)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        engine.dispose()
    assert most_inside == 1


def test_an_in_memory_database_has_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite://")
    try:
        with writer_turn(engine):
            pass
    finally:
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
def test_writer_turns_nest_only_where_the_database_orders_writers(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        # a file database takes real turns: a nested turn in the same thread would wait
        # for itself, so only the outer one is taken here
        engine = make_engine(database_url)
        try:
            with writer_turn(engine):
                pass
            assert Path(f"{make_url(database_url).database}-writer").exists()
        finally:
            engine.dispose()
        return
    engine = make_engine(database_url)
    try:
        # Nested turns would wait forever on SQLite; here they are no-ops (row locks order
        # the writers instead).
        with writer_turn(engine), writer_turn(engine):
            pass
    finally:
        engine.dispose()
