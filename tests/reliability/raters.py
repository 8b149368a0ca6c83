"""Rater devices for the concurrency check: each fills in, edits and submits its forms over
one keep-alive connection and keeps a ledger of what the server acknowledged.

A form's expected final state is built only from acknowledged requests (303 See Other):
every page as last acknowledged, the comment as last acknowledged, submitted once a submit
was acknowledged. Two devices sharing a form post it at the same moment (a barrier), with
different answers to every question, so a mixed result would show.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from colead.domain import NOT_OBSERVED
from colead.fieldwork.survey import SurveyForm

#: words of a database failure that must never reach a rater's page
FAILURE_WORDS = ("database is locked", "locked", "deadlock", "could not serialize")
#: pages a rater answers and goes back to (each a scale of six questions)
ANSWERED_PAGES = (1, 2, 3)
#: mean pause before each request
THINK_SECONDS = 0.02
_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class FormState:
    """One form as its device last saw it acknowledged."""

    pages: dict[int, dict[str, str]] = field(default_factory=dict)
    comment: str | None = None
    submitted: bool = False

    def codes(self, form: SurveyForm) -> bytes:
        """The packed answers this state stands for."""
        codes = bytearray(form.blank_answers().packed())
        for number, answers in self.pages.items():
            for question in form.page(number).questions:
                value = answers[question.item_id]
                code = NOT_OBSERVED if value == "na" else int(value)
                codes[question.position] = code & 0xFF
        return bytes(codes)


@dataclass
class Contest:
    """A form two devices post at once, round after round."""

    token: str
    barrier: threading.Barrier
    rounds: int
    #: the answers each device sent in the last round, by device number (0 or 1)
    last: dict[int, dict[str, str]] = field(default_factory=dict)
    submitted: bool = False

    def answers(self, form: SurveyForm, round_: int, side: int) -> dict[str, str]:
        """Answers for one side of one round; the other side differs in every question."""
        rng = random.Random(f"{self.token}:{round_}")
        base = [rng.randint(1, 5) for _ in form.page(1).questions]
        return {
            q.item_id: str(v if side == 0 else v % 5 + 1)
            for q, v in zip(form.page(1).questions, base, strict=True)
        }


@dataclass
class Ledger:
    """What one device did and what the server answered."""

    forms: dict[str, FormState] = field(default_factory=dict)
    requests: int = 0
    edits: int = 0
    submits: int = 0
    contested_posts: int = 0
    #: seconds of the slowest answer (a figure for the report, never asserted)
    slowest: float = 0.0
    #: (method path, status) of every unexpected answer
    failures: list[tuple[str, int]] = field(default_factory=list)
    #: (method path, word) of every page whose body names a database failure
    leaked: list[tuple[str, str]] = field(default_factory=list)


class Device:
    """One rater's browser: one connection, its own forms, maybe a contested one."""

    def __init__(self, port: int, form: SurveyForm, seed: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self._form = form
        self._rng = random.Random(seed)
        self.ledger = Ledger()

    def run(
        self,
        own: list[str],
        contest: Contest | None,
        side: int,
        stop: threading.Event,
    ) -> Ledger:
        """Fill in and submit ``own``, take part in ``contest``, then keep editing earlier
        answers of ``own`` (submitted forms stay editable while the wave is open) until
        ``stop`` is set."""
        try:
            for token in own:
                self._fill_in(token)
            if contest is not None:
                self._contest(contest, side)
            edits = 0
            while own and (edits < len(own) or not stop.is_set()):
                self._edit(own[edits % len(own)])
                edits += 1
        finally:
            if contest is not None:
                contest.barrier.abort()  # a partner still waiting must not wait forever
            self._connection.close()
        return self.ledger

    def _fill_in(self, token: str) -> None:
        state = self.ledger.forms.setdefault(token, FormState())
        self._get(f"/s/{token}")
        for number in ANSWERED_PAGES:
            self._get(f"/s/{token}/page/{number}")
            self._save(token, state, number, "next")
        # back to the first page, change every answer, jump to the review
        self._save(token, state, 1, "review", edit=True)
        self._get(f"/s/{token}/review")
        comments = self._form.pages[-1]
        text = f"Shares plans early ({token[:6]} {self._rng.randrange(10**6)}) – ✓"
        if self._post(
            f"/s/{token}/page/{comments.number}",
            {comments.comments[0].name: text, "action": "review"},
        ):
            state.comment = text
        if self._post(f"/s/{token}/submit", {}):
            state.submitted = True
            self.ledger.submits += 1
        self._get(f"/s/{token}/thanks")

    def _edit(self, token: str) -> None:
        """Go back to an answered page of a submitted form and change its answers."""
        state = self.ledger.forms[token]
        number = self._rng.choice(ANSWERED_PAGES)
        self._get(f"/s/{token}/page/{number}")
        self._save(token, state, number, "review", edit=True)
        if self._rng.random() < 0.3 and self._post(f"/s/{token}/submit", {}):
            self.ledger.submits += 1

    def _contest(self, contest: Contest, side: int) -> None:
        for round_ in range(contest.rounds):
            answers = contest.answers(self._form, round_, side)
            contest.barrier.wait()
            if self._post(f"/s/{contest.token}/page/1", {**answers, "action": "next"}):
                contest.last[side] = answers
            self.ledger.contested_posts += 1
        contest.barrier.wait()  # both sides' last posts are answered
        if side == 0 and self._post(f"/s/{contest.token}/submit", {}):
            contest.submitted = True

    def _save(
        self, token: str, state: FormState, number: int, action: str, *, edit: bool = False
    ) -> None:
        answers = {
            q.item_id: self._rng.choice(("1", "2", "3", "4", "5", "5", "4", "na"))
            for q in self._form.page(number).questions
        }
        if self._post(f"/s/{token}/page/{number}", {**answers, "action": action}):
            state.pages[number] = answers
            self.ledger.edits += edit

    def _get(self, path: str) -> None:
        self._request("GET", path, None, 200)

    def _post(self, path: str, fields: dict[str, str]) -> bool:
        """Post a form; True when the server acknowledged it (303 See Other)."""
        return self._request("POST", path, urlencode(fields), 303)

    def _request(self, method: str, path: str, body: str | None, expected: int) -> bool:
        # A moment to read the page: fifty devices then keep the server saturated without
        # fifty busy threads starving the import and the analysis of the processor.
        time.sleep(self._rng.uniform(0, 2 * THINK_SECONDS))
        self.ledger.requests += 1
        headers = _HEADERS if body is not None else {}
        sent = time.monotonic()
        self._connection.request(method, path, body, headers)
        response = self._connection.getresponse()
        text = response.read().decode("utf-8", "replace").lower()
        self.ledger.slowest = max(self.ledger.slowest, time.monotonic() - sent)
        for word in FAILURE_WORDS:
            if word in text:
                self.ledger.leaked.append((f"{method} {path}", word))
        if response.status != expected:
            self.ledger.failures.append((f"{method} {path}", response.status))
            return False
        return True
