"""Logins in parallel: the lockout counts every attempt, and password checks are bounded.

Each test runs real threads against a real database (a SQLite file, and PostgreSQL when
configured), as parallel requests of one web worker would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from colead.accounts import admins
from colead.accounts.admins import (
    LOCK_TIME,
    MAX_FAILED_LOGINS,
    AdminAccount,
    create_admin,
    login,
)
from colead.accounts.passwords import PasswordChecks
from colead.errors import LoginBusy, LoginFailed
from colead.store import transaction
from colead.store.schema import AdminUser, AuditEntry
from colead.store.schema_console import LoginFailure

pytestmark = pytest.mark.integration

EMAIL = "ops.lead@example.org"
PASSWORD = "correct horse battery staple"
T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
PARALLEL = 20


@pytest.fixture
def admin(engine: Engine) -> AdminAccount:
    with transaction(engine) as session:
        return create_admin(session, EMAIL, PASSWORD, actor="t", now=T0)[0]


def _all_at_once(count: int, attempt: Callable[[int], None]) -> None:
    """Run ``attempt(0)`` … ``attempt(count - 1)`` in threads released together."""
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        attempt(index)

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(run, range(count)))


def _refused(engine: Engine, email: str, password: str, **options: object) -> LoginFailed:
    try:
        login(engine, email, password, now=T0, **options)  # type: ignore[arg-type]
    except LoginFailed as refused:
        return refused
    raise AssertionError("the login was accepted")


def _audited(engine: Engine, action: str) -> list[dict[str, object]]:
    with transaction(engine) as session:
        query = select(AuditEntry.detail).where(AuditEntry.action == action)
        return [detail or {} for detail in session.scalars(query.order_by(AuditEntry.id))]


def test_parallel_wrong_passwords_lock_the_account_and_count_every_attempt(
    engine: Engine, admin: AdminAccount
) -> None:
    _all_at_once(
        PARALLEL, lambda i: _refused(engine, EMAIL, f"wrong password {i}", client="10.0.0.9")
    )
    with transaction(engine) as session:
        row = session.scalars(select(AdminUser)).one()
        locked_until, failed_logins = row.locked_until, row.failed_logins
        client_failures = session.scalar(select(func.count()).select_from(LoginFailure))
    assert locked_until is not None
    assert locked_until.replace(tzinfo=UTC) == T0 + LOCK_TIME
    assert failed_logins == 0  # the count starts again after a lock
    # every attempt is counted once: the first five as failures (no lost update leaves two
    # attempts with the same number), the fifth locks, and the rest meet the lock
    failures = sorted(int(str(d["failures"])) for d in _audited(engine, "login_failed"))
    assert failures == list(range(1, MAX_FAILED_LOGINS + 1))
    refused = _audited(engine, "login_refused")
    assert refused == [{"reason": "locked"}] * (PARALLEL - MAX_FAILED_LOGINS)
    assert client_failures == PARALLEL


def test_a_locked_account_refuses_the_right_password_met_in_parallel(
    engine: Engine, admin: AdminAccount
) -> None:
    # the lock is decided before the password is checked, so guesses sent together are not
    # all checked against the account's hash: only the first MAX_FAILED_LOGINS of them are
    with transaction(engine) as session:
        stored_hash = session.scalars(select(AdminUser.password_hash)).one()
    checked: list[str] = []
    real = admins.password_matches

    def noting(password_hash: str, password: str) -> bool:
        if password_hash == stored_hash:
            checked.append(password)
        return real(password_hash, password)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(admins, "password_matches", noting)
        _all_at_once(PARALLEL, lambda i: _refused(engine, EMAIL, f"wrong password {i}"))
    assert len(checked) == MAX_FAILED_LOGINS
    with pytest.raises(LoginFailed):
        login(engine, EMAIL, PASSWORD, now=T0)


def test_no_more_password_checks_run_at_once_than_allowed(
    engine: Engine, admin: AdminAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = 0, 0
    guard = threading.Lock()

    def slow(password_hash: str, password: str) -> bool:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with guard:
            running -= 1
        return False

    monkeypatch.setattr(admins, "password_matches", slow)
    checks = PasswordChecks(limit=4, wait=30.0)
    _all_at_once(
        PARALLEL,
        lambda i: _refused(engine, f"nobody{i}@example.org", PASSWORD, checks=checks),
    )
    assert 1 <= most <= 4


def test_a_login_that_finds_no_free_check_is_refused_without_counting(
    engine: Engine, admin: AdminAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()

    def held(password_hash: str, password: str) -> bool:
        entered.set()
        release.wait(10)
        return False

    monkeypatch.setattr(admins, "password_matches", held)
    checks = PasswordChecks(limit=1, wait=0.05)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(_refused, engine, EMAIL, "wrong password", checks=checks)
        assert entered.wait(10)
        busy = _refused(engine, EMAIL, "another guess", checks=checks, client="10.0.0.8")
        release.set()
        assert not isinstance(first.result(), LoginBusy)
    assert isinstance(busy, LoginBusy) and "try again" in (busy.hint or "").lower()
    with transaction(engine) as session:
        assert session.scalars(select(AdminUser)).one().failed_logins == 1
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert len(_audited(engine, "login_failed")) == 1
