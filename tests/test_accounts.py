"""Admin accounts: argon2id hashes, one error for every refused login, lockout and release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from colead import accounts
from colead.accounts import (
    LOCK_TIME,
    MAX_FAILED_LOGINS,
    AdminAccount,
    create_admin,
    list_admins,
    login,
    verify_login,
)
from colead.errors import AlreadyExists, InvalidData, LoginFailed
from colead.store import transaction
from colead.store.schema import AdminUser, AuditEntry

pytestmark = pytest.mark.integration

EMAIL = "ops.lead@example.org"
PASSWORD = "correct horse battery staple"
T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def admin(engine: Engine) -> AdminAccount:
    with transaction(engine) as session:
        account, created = create_admin(session, EMAIL, PASSWORD, actor="t", now=T0)
    assert created
    return account


def _stored(engine: Engine) -> AdminUser:
    with transaction(engine) as session:
        row = session.scalars(select(AdminUser)).one()
        session.expunge(row)
        return row


def _audit(engine: Engine) -> list[tuple[str, str, dict[str, object] | None]]:
    with transaction(engine) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.entity == "admin_user")
            .order_by(AuditEntry.id)
        )
        return [(actor, action, detail) for actor, action, detail in rows]


def _refusal(engine: Engine, email: str, password: str, now: datetime) -> LoginFailed:
    with pytest.raises(LoginFailed) as caught:
        login(engine, email, password, now=now)
    return caught.value


def test_an_admin_is_stored_with_a_normalised_email_and_an_argon2id_hash(engine: Engine) -> None:
    with transaction(engine) as session:
        account, created = create_admin(session, "  Ops.Lead@Example.ORG ", PASSWORD, now=T0)
    assert created
    assert account.email == EMAIL
    row = _stored(engine)
    assert row.email == EMAIL
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert PasswordHasher().verify(row.password_hash, PASSWORD)
    assert (row.failed_logins, row.locked_until, row.last_login_at) == (0, None, None)
    assert _audit(engine) == [("cli", "create", {"email": EMAIL})]
    assert [a.email for a in _list(engine)] == [EMAIL]


def test_the_password_appears_nowhere_in_the_database(engine: Engine, admin: AdminAccount) -> None:
    with engine.connect() as connection:
        tables = [t for t in AdminUser.metadata.sorted_tables]
        for table in tables:
            for row in connection.execute(select(table)):
                assert PASSWORD not in " ".join(str(value) for value in row)


def test_the_same_email_twice_is_refused_unless_the_password_is_reset(
    engine: Engine, admin: AdminAccount
) -> None:
    with (
        pytest.raises(AlreadyExists, match="already exists") as caught,
        transaction(engine) as session,
    ):
        create_admin(session, EMAIL.upper(), "another long password")
    assert "--reset-password" in (caught.value.hint or "")
    assert caught.value.exit_code == 6
    old_hash = _stored(engine).password_hash

    with transaction(engine) as session:
        account, created = create_admin(
            session, EMAIL, "another long password", reset_password=True, actor="t"
        )
    assert not created and account.id == admin.id
    assert _stored(engine).password_hash != old_hash
    assert [a for _, a, _ in _audit(engine)] == ["create", "reset_password"]
    login(engine, EMAIL, "another long password", now=T0)
    _refusal(engine, EMAIL, PASSWORD, T0)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (EMAIL, "eleven char", "too short \\(11 characters\\)"),
        (EMAIL, "", "too short \\(0 characters\\)"),
        ("not-an-address", PASSWORD, "is not an e-mail address"),
        ("two@@example.org", PASSWORD, "is not an e-mail address"),
    ],
)
def test_bad_email_or_short_password_stores_nothing(
    engine: Engine, email: str, password: str, message: str
) -> None:
    with pytest.raises(InvalidData, match=message) as caught, transaction(engine) as session:
        create_admin(session, email, password)
    assert caught.value.hint
    assert _list(engine) == []
    assert _audit(engine) == []


def test_twelve_characters_are_enough(engine: Engine) -> None:
    with transaction(engine) as session:
        _, created = create_admin(session, EMAIL, "x" * 12)
    assert created


def test_a_good_login_returns_the_account_and_records_the_time(
    engine: Engine, admin: AdminAccount
) -> None:
    now = T0 + timedelta(hours=2)
    account = login(engine, " OPS.LEAD@example.org", PASSWORD, now=now)
    assert (account.id, account.email) == (admin.id, EMAIL)
    assert _aware(_stored(engine).last_login_at) == now
    assert _audit(engine)[-1] == (EMAIL, "login", {"rehashed": False})


def test_unknown_email_and_wrong_password_get_the_same_error(
    engine: Engine, admin: AdminAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = accounts.password_matches

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "password_matches", counting)
    wrong = _refusal(engine, EMAIL, "wrong password here", T0)
    unknown = _refusal(engine, "nobody@example.org", PASSWORD, T0)
    malformed = _refusal(engine, "nobody", PASSWORD, T0)
    shapes = {
        (e.message, e.hint, e.code, e.exit_code, type(e)) for e in (wrong, unknown, malformed)
    }
    assert len(shapes) == 1
    assert "exist" not in wrong.message
    # the same hashing work whether or not the account exists
    assert len(checks) == 3
    assert all(h.startswith("$argon2id$") for h in checks)


def test_five_failures_lock_the_account_for_fifteen_minutes(
    engine: Engine, admin: AdminAccount
) -> None:
    for attempt in range(1, MAX_FAILED_LOGINS):
        _refusal(engine, EMAIL, f"wrong password {attempt}", T0 + timedelta(seconds=attempt))
        assert _stored(engine).failed_logins == attempt
        assert _stored(engine).locked_until is None
    fifth = T0 + timedelta(seconds=MAX_FAILED_LOGINS)
    _refusal(engine, EMAIL, "wrong password 5", fifth)
    row = _stored(engine)
    assert _aware(row.locked_until) == fifth + LOCK_TIME == fifth + timedelta(minutes=15)
    assert row.failed_logins == 0
    assert _list(engine)[0].locked(fifth + timedelta(minutes=1))

    # locked: even the right password is refused, with the same error
    locked = _refusal(engine, EMAIL, PASSWORD, fifth + LOCK_TIME - timedelta(seconds=1))
    assert locked.message == _refusal(engine, "nobody@example.org", PASSWORD, fifth).message
    assert _aware(_stored(engine).locked_until) == fifth + LOCK_TIME

    # released after the lock time
    account = login(engine, EMAIL, PASSWORD, now=fifth + LOCK_TIME)
    assert account.id == admin.id
    row = _stored(engine)
    assert (row.failed_logins, row.locked_until) == (0, None)
    actions = [a for _, a, _ in _audit(engine)]
    assert actions == ["create", *["login_failed"] * 5, "login_refused", "login"]
    fifth_failure = _audit(engine)[5][2]
    assert fifth_failure == {"failures": 5, "locked_until": (fifth + LOCK_TIME).isoformat()}


def test_a_success_clears_earlier_failures(engine: Engine, admin: AdminAccount) -> None:
    for attempt in range(MAX_FAILED_LOGINS - 1):
        _refusal(engine, EMAIL, "wrong password", T0 + timedelta(seconds=attempt))
    login(engine, EMAIL, PASSWORD, now=T0 + timedelta(minutes=1))
    assert _stored(engine).failed_logins == 0
    _refusal(engine, EMAIL, "wrong password", T0 + timedelta(minutes=2))
    assert _stored(engine).locked_until is None


def test_a_reset_password_ends_a_lock(engine: Engine, admin: AdminAccount) -> None:
    for attempt in range(MAX_FAILED_LOGINS):
        _refusal(engine, EMAIL, "wrong password", T0 + timedelta(seconds=attempt))
    assert _stored(engine).locked_until is not None
    with transaction(engine) as session:
        create_admin(session, EMAIL, "a brand new password", reset_password=True)
    assert login(engine, EMAIL, "a brand new password", now=T0 + timedelta(minutes=1))


def test_a_weaker_old_hash_is_replaced_at_the_next_login(
    engine: Engine, admin: AdminAccount
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with transaction(engine) as session:
        session.scalars(select(AdminUser)).one().password_hash = weak
    with transaction(engine) as session:
        verify_login(session, EMAIL, PASSWORD, now=T0)
    fresh = _stored(engine).password_hash
    assert fresh != weak
    assert not PasswordHasher().check_needs_rehash(fresh)
    assert _audit(engine)[-1][2] == {"rehashed": True}


def test_verify_login_leaves_the_failure_in_the_session_for_the_caller(
    engine: Engine, admin: AdminAccount
) -> None:
    with transaction(engine) as session:
        with pytest.raises(LoginFailed):
            verify_login(session, EMAIL, "wrong password", now=T0)
        session.flush()
        assert session.scalars(select(AdminUser)).one().failed_logins == 1


def _list(engine: Engine) -> list[AdminAccount]:
    with transaction(engine) as session:
        return list_admins(session)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
