"""Rate limits of the web app: failed API authentications and unknown link tokens.

Both count failures per client address in a sliding window kept in this process's memory
(:class:`FailureLimiter`); a worker that restarts forgets them, which only lets a guesser
start over a minute early. Failed console logins are limited through the database instead
(``colead.accounts.admins``), since a password guesser is worth stopping on every worker at once.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from colead.web import render
from colead.web.admin.console import error_page
from colead.web.api.errors import RateLimited

#: path prefixes whose next part is a secret token: survey forms, participant pages and
#: programme reaction questionnaires
TOKEN_PREFIXES = ("/s/", "/p/", "/r/")
#: unknown tokens one address may try per window before it must wait
MAX_UNKNOWN_TOKENS = 30
UNKNOWN_TOKEN_WINDOW = 60.0
#: requests one address may have in flight on token paths at once (bounds a burst of guesses
#: beyond the limit; 120 at once is more than an office of raters behind one address sends)
IN_FLIGHT_ROOM = 4 * MAX_UNKNOWN_TOKENS


@dataclass
class FailureLimiter:
    """Counts failures per client address in a sliding window.

    ``clock`` returns seconds (monotonic); tests pass their own. Addresses whose failures
    have all expired are forgotten, and at most ``max_clients`` are tracked at a time.
    """

    max_failures: int = 20
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _in_flight: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, client: str) -> None:
        """RateLimited when ``client`` has used up its failures in the current window."""
        with self._lock:
            now = self.clock()
            recent = self._recent(client, now)
            if recent is not None and len(recent) >= self.max_failures:
                retry = max(1, int(recent[0] + self.window - now + 0.999))
                raise RateLimited(retry)

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            self._add(client, now)

    def attempt(self, client: str, room: int) -> None:
        """Let a request whose outcome is not known yet go ahead, or RateLimited.

        Refused when the address has used up its failures, or already has ``room``
        requests in flight. Checked and counted in one step, so requests sent at the same
        time can pass the limit by at most ``room`` in a window: a guesser's burst is
        bounded, while people behind one company address, each opening their own link at
        the same moment, are never refused for one stray mistyped link. Call
        :meth:`settle` when the request has been answered.
        """
        with self._lock:
            now = self.clock()
            recent = self._recent(client, now) or deque()
            flying = self._in_flight.get(client, 0)
            if len(recent) >= self.max_failures or flying >= room:
                retry = max(1, int(recent[0] + self.window - now + 0.999)) if recent else 1
                raise RateLimited(retry)
            self._in_flight[client] = flying + 1

    def settle(self, client: str, failed: bool) -> None:
        """A request let through by :meth:`attempt` has been answered; ``failed`` counts it."""
        with self._lock:
            left = self._in_flight.get(client, 1) - 1
            if left > 0:
                self._in_flight[client] = left
            else:
                self._in_flight.pop(client, None)
            if failed:
                self._add(client, self.clock())

    def _add(self, client: str, now: float) -> None:
        recent = self._recent(client, now)
        if recent is None:
            if len(self._failures) >= self.max_clients:
                self._forget_expired(now)
                if len(self._failures) >= self.max_clients:
                    self._failures.pop(next(iter(self._failures)))
            recent = self._failures[client] = deque()
        recent.append(now)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        recent = self._failures.get(client)
        if recent is None:
            return None
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if not recent:
            del self._failures[client]
            return None
        return recent

    def _forget_expired(self, now: float) -> None:
        for client in list(self._failures):
            self._recent(client, now)


def client_address(scope: Scope) -> str:
    """The client's address: the socket's, or, from a trusted reverse proxy, the one it
    forwarded (:class:`colead.web.proxies.ForwardedHeaders` has put it in the scope)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def too_many_attempts_page(request: Request, retry_after: int) -> HTMLResponse:
    """The console's answer to an address that failed to log in too often."""
    minutes = max(1, -(-retry_after // 60))
    response = error_page(
        request,
        429,
        "too_many_attempts",
        "Too many attempts",
        f"There were too many failed logins from your network. Try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}.",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def _token_limit_page(retry_after: int) -> HTMLResponse:
    response = render.page(
        "error.html.j2",
        429,
        code="too_many_attempts",
        message="Too many attempts",
        hint=(
            "Too many links that do not work were opened from your network. Wait a minute, "
            "then open the whole link from your invitation."
        ),
        submitted=False,
        home="",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


class UnknownTokenLimit:
    """Answers 429 to an address that met too many unknown link tokens in a minute.

    Every 404 under a token path (``/s/...``, ``/p/...``) counts, whether the token is
    unknown or the path is made up: both are guesses. Requests in flight are counted as
    well (:meth:`FailureLimiter.attempt`): an address may have at most
    :data:`IN_FLIGHT_ROOM` of them, so guesses sent at the same time pass the limit by at
    most that many in a window, while a whole office opening its links at once is served. A
    valid request costs two dictionary updates; the pages themselves are left alone.
    """

    def __init__(self, app: ASGIApp, limiter: FailureLimiter | None = None) -> None:
        self.app = app
        self.limiter = limiter or FailureLimiter(
            max_failures=MAX_UNKNOWN_TOKENS, window=UNKNOWN_TOKEN_WINDOW
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_token_path(scope):
            await self.app(scope, receive, send)
            return
        client = client_address(scope)
        try:
            self.limiter.attempt(client, IN_FLIGHT_ROOM)
        except RateLimited as limited:
            await _token_limit_page(limited.retry_after)(scope, receive, send)
            return
        status = 0

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self.limiter.settle(client, failed=status == 404)


def _is_token_path(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.startswith(TOKEN_PREFIXES)
