"""An open wave with many survey links, a server process to answer it, and read-back."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select

from builders import default_framework
from colead.domain import Relation
from colead.fieldwork.lifecycle import create_draft_wave, open_wave
from colead.fieldwork.survey import build_form
from colead.jobs.demo import store_simulation
from colead.simulation.review import SizeSpec, simulate
from colead.store import init_database, make_engine, open_database, transaction
from colead.store.reviews import get_review
from colead.store.schema import Assignment, Response
from colead.store.waves import add_assignments, get_wave, hash_token, list_waves
from reliability.stored_review import SIZE


@dataclass(frozen=True)
class LiveWave:
    """A review whose wave "live" is open, with one link per observer's form."""

    url: str
    review: str
    wave_id: int
    tokens: tuple[str, ...]
    #: the first page's items: (item id, position in the packed answers)
    page: tuple[tuple[str, int], ...]
    #: the packed answers of a form with nothing answered
    blank: bytes

    def expected(self, answers: dict[str, int]) -> bytes:
        """The packed answers of a form whose first page holds ``answers``."""
        codes = bytearray(self.blank)
        for item, position in self.page:
            codes[position] = answers[item] & 0xFF
        return bytes(codes)


def open_live_wave(url: str, seed: int = 5, size: str | SizeSpec = SIZE) -> LiveWave:
    """Store a simulated review (by default 80 people) and open a new wave "live" asking
    the first wave's observers again (several hundred links; about 2,500 for "small")."""
    framework = default_framework()
    init_database(url)
    engine = open_database(url)
    try:
        stored = store_simulation(engine, simulate(framework, size, seed=seed), framework)
        with transaction(engine) as session:
            create_draft_wave(session, stored.review, "live", framework, actor="test")
            review = get_review(session, stored.review)
            first = list_waves(session, review.id)[0]
            live = get_wave(session, review, "live")
            pairs = session.execute(
                select(Assignment.ratee_id, Assignment.rater_id, Assignment.relation).where(
                    Assignment.wave_id == first.id, Assignment.relation != "self"
                )
            ).all()
            made = add_assignments(session, live.id, [(a, b, c) for a, b, c in pairs])
            wave_id = live.id
        with transaction(engine) as session:
            open_wave(session, stored.review, "live", actor="test")
    finally:
        engine.dispose()
    form = build_form(framework, Relation.peer)
    return LiveWave(
        url=url,
        review=stored.review,
        wave_id=wave_id,
        tokens=tuple(made.values()),
        page=tuple((q.item_id, q.position) for q in form.page(1).questions),
        blank=form.blank_answers().packed(),
    )


@dataclass(frozen=True)
class StoredForm:
    codes: bytes
    submitted_at: datetime | None


def stored_forms(live: LiveWave) -> dict[str, StoredForm]:
    """Every stored form of the live wave, by its link's hash."""
    engine = make_engine(live.url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(Assignment.token_hash, Response.item_values, Response.submitted_at)
                .join(Response, Response.assignment_id == Assignment.id)
                .where(Assignment.wave_id == live.wave_id)
            ).all()
    finally:
        engine.dispose()
    return {digest: StoredForm(bytes(values), when) for digest, values, when in rows}


@dataclass
class Outcome:
    """What one client sent and which of it the server acknowledged."""

    #: answers sent, by link (acknowledged or not)
    sent: dict[str, dict[str, int]] = field(default_factory=dict)
    #: answers the server acknowledged as saved (303 See Other), by link
    saved: dict[str, dict[str, int]] = field(default_factory=dict)
    #: when (time.monotonic) each save was acknowledged, by link
    acknowledged_at: dict[str, float] = field(default_factory=dict)
    #: links whose submission the server acknowledged
    submitted: set[str] = field(default_factory=set)
    #: unexpected HTTP statuses (a refusal is not a loss, but must not happen here)
    refused: list[int] = field(default_factory=list)


@dataclass
class Tally:
    """Figures over a whole run, for the report."""

    kills: int = 0
    acknowledged: int = 0
    submits: int = 0
    unacknowledged_kept: int = 0
    lost: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)

    def add(self, live: LiveWave, outcomes: list[Outcome], forms: dict[str, StoredForm]) -> None:
        """Check the outcomes of one run against the database, after a restart."""
        sent = {t: a for o in outcomes for t, a in o.sent.items()}
        for outcome in outcomes:
            self.refused += outcome.refused
            for token, answers in outcome.saved.items():
                self.acknowledged += 1
                found = forms.get(hash_token(token))
                if found is None or found.codes != live.expected(answers):
                    self.lost.append(token)
            for token in outcome.submitted:
                self.submits += 1
                found = forms.get(hash_token(token))
                if found is None or found.submitted_at is None:
                    self.lost.append(token)
        acknowledged = {t for o in outcomes for t in o.saved}
        for token, answers in sent.items():
            found = forms.get(hash_token(token))
            if found is None:
                continue
            # Sent but unanswered when the server died: kept whole or not at all.
            if found.codes != live.expected(answers):
                self.half_written.append(token)
            elif token not in acknowledged:
                self.unacknowledged_kept += 1

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.kills} kills, {self.acknowledged:,} acknowledged saves and "
            f"{self.submits:,} acknowledged submissions, {len(self.lost)} lost, "
            f"{len(self.half_written)} half-written, {self.unacknowledged_kept} saved "
            "without an acknowledgement (in flight at the kill)"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``colead serve`` in a process group of its own, so that one signal reaches the
    supervisor and every worker at once."""

    def __init__(self, url: str, workers: int = 1) -> None:
        self.url = url
        self.workers = workers
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("COLEAD_")}
        self._process = subprocess.Popen(
            [
                sys.executable, "-m", "colead", "serve", "--db", self.url,
                "--port", str(self.port), "--workers", str(self.workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=environment,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"the server stopped at start-up ({self._process.returncode})")
            if self._answers():
                return
            time.sleep(0.1)
        self.kill()
        raise AssertionError("the server did not start in time")

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/s/unknown")
            connection.getresponse().read()
            connection.close()
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL to the whole group: nothing gets to flush, close or clean up."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=30)
        self._process = None


def answer_forms(
    port: int, tokens: list[str], live: LiveWave, seed: int, stop_after: float
) -> Outcome:
    """One rater device: answers page 1 of each form in ``tokens`` in turn over one
    keep-alive connection, submitting every third form, until the server goes away or
    ``stop_after`` seconds have passed."""
    outcome = Outcome()
    values = [(seed * 7 + k) % 5 + 1 for k in range(len(tokens) * len(live.page) + 1)]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    deadline = time.monotonic() + stop_after
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        for n, token in enumerate(tokens):
            if time.monotonic() > deadline:
                break
            start = n * len(live.page)
            answers = {item: values[start + k] for k, (item, _) in enumerate(live.page)}
            outcome.sent[token] = answers
            body = urlencode({**{i: str(v) for i, v in answers.items()}, "action": "next"})
            try:
                status = _post(connection, f"/s/{token}/page/1", body, headers)
                if status != 303:
                    outcome.refused.append(status)
                    continue
                outcome.saved[token] = answers
                outcome.acknowledged_at[token] = time.monotonic()
                if n % 3 == 0:
                    status = _post(connection, f"/s/{token}/submit", "", headers)
                    if status == 303:
                        outcome.submitted.add(token)
                    else:
                        outcome.refused.append(status)
            except (OSError, http.client.HTTPException):
                break  # the server was killed
    finally:
        connection.close()
    return outcome


def _post(
    connection: http.client.HTTPConnection, path: str, body: str, headers: dict[str, str]
) -> int:
    connection.request("POST", path, body, headers)
    response = connection.getresponse()
    response.read()
    return response.status
