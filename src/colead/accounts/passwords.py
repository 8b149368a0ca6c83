"""Password hashes, and how many password checks may run at once in one process.

Passwords are stored only as argon2id hashes (argon2-cffi's defaults, the low-memory
profile of RFC 9106). Checking one costs tens of milliseconds of CPU and 64 MiB of memory
on purpose, so that stolen hashes are slow to guess. The same cost lets anyone who can
reach the login form make the server do that work as often as they send a request: a few
hundred parallel logins would take every core and a lot of memory. :class:`PasswordChecks`
lets a small number of checks run at once; a login that finds no free check waits a
little, then is refused (:class:`colead.errors.LoginBusy`) without its password being
looked at.

One :class:`PasswordChecks` belongs to one web app (made by its factory), so its count is
per process; a server with several workers allows that many checks per worker.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from colead.errors import LoginBusy

#: password checks that may run at once in one process
CHECKS_AT_ONCE = 4
#: seconds a login waits for a free check before it is refused
CHECK_WAIT = 2.0

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (PHC string with its salt and parameters)."""
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one hashed; argon2 compares in constant time."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash uses weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash of a random password, checked against when there is no account to check
    (the same work as a real check, so that timing does not tell)."""
    return hash_password(secrets.token_urlsafe(16))


@dataclass
class PasswordChecks:
    """At most ``limit`` password checks at once; others wait up to ``wait`` seconds."""

    limit: int = CHECKS_AT_ONCE
    wait: float = CHECK_WAIT
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("at least one password check must be allowed at a time")
        self._slots = threading.BoundedSemaphore(self.limit)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the checks while the block runs; LoginBusy when none comes free."""
        if not self._slots.acquire(timeout=self.wait):
            raise LoginBusy(
                "The server is busy checking other logins.",
                "Wait a moment, then try again.",
            )
        try:
            yield
        finally:
            self._slots.release()
