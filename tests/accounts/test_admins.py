"""Admin accounts: argon2id hashes, one error for every refused login, lockout and release."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, delete, select

from colead.accounts import admins, api_tokens
from colead.accounts.admins import (
    LOCK_TIME,
    LOGIN_WINDOW,
    MAX_CLIENT_FAILURES,
    MAX_FAILED_LOGINS,
    SESSION_IDLE_TIME,
    SESSION_LIFETIME,
    AdminAccount,
    LiveSession,
    create_admin,
    list_admins,
    login,
    verify_login,
)
from colead.accounts.api_tokens import issue_token
from colead.errors import AlreadyExists, InvalidData, LoginFailed, NotFound
from colead.store import transaction
from colead.store.schema import AdminUser, ApiToken, AuditEntry
from colead.store.schema_console import AdminSessionRecord, LoginFailure

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
    real = admins.password_matches

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(admins, "password_matches", counting)
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


# --- login limit per client address --------------------------------------------------


def _retry_after(engine: Engine, client: str, now: datetime) -> int | None:
    with transaction(engine) as session:
        return admins.login_retry_after(session, client, now=now)


def _failures(engine: Engine) -> list[tuple[str, datetime | None]]:
    with transaction(engine) as session:
        rows = session.execute(
            select(LoginFailure.client, LoginFailure.at).order_by(LoginFailure.id)
        )
        return [(client, _aware(at)) for client, at in rows]


def test_an_address_waits_after_twenty_failures_in_fifteen_minutes(
    engine: Engine, admin: AdminAccount
) -> None:
    for attempt in range(MAX_CLIENT_FAILURES):
        assert _retry_after(engine, "10.0.0.1", T0 + timedelta(seconds=attempt)) is None
        email = EMAIL if attempt % 2 else f"nobody{attempt}@example.org"
        with pytest.raises(LoginFailed):
            login(engine, email, "wrong password", now=T0 + timedelta(seconds=attempt),
                  client="10.0.0.1")  # fmt: skip
    later = T0 + timedelta(minutes=5)
    assert _retry_after(engine, "10.0.0.1", later) == 10 * 60
    assert _retry_after(engine, "10.0.0.2", later) is None  # another address is not held up
    # the oldest failure leaves the window: the address may try again
    assert _retry_after(engine, "10.0.0.1", T0 + LOGIN_WINDOW) is None


def test_old_failures_are_deleted_as_new_ones_arrive(engine: Engine, admin: AdminAccount) -> None:
    with pytest.raises(LoginFailed):
        login(engine, EMAIL, "wrong password", now=T0, client="10.0.0.1")
    with pytest.raises(LoginFailed):
        login(engine, EMAIL, "wrong password", now=T0 + timedelta(minutes=1), client="10.0.0.2")
    later = T0 + LOGIN_WINDOW + timedelta(minutes=1)
    with pytest.raises(LoginFailed):
        login(engine, EMAIL, "wrong password", now=later, client="10.0.0.3")
    assert _failures(engine) == [
        ("10.0.0.2", T0 + timedelta(minutes=1)),
        ("10.0.0.3", later),
    ]
    login(engine, EMAIL, PASSWORD, now=later, client="10.0.0.3")
    assert len(_failures(engine)) == 2  # a success records nothing


# --- sessions ------------------------------------------------------------------------


def _start(engine: Engine, admin: AdminAccount, now: datetime = T0) -> tuple[str, LiveSession]:
    with transaction(engine) as session:
        return admins.start_session(session, admin.id, user_agent="Firefox/140", now=now)


def _resume(engine: Engine, plain: str, now: datetime) -> LiveSession | None:
    with transaction(engine) as session:
        return admins.resume_session(session, plain, now=now)


def _records(engine: Engine) -> list[AdminSessionRecord]:
    with transaction(engine) as session:
        rows = list(session.scalars(select(AdminSessionRecord).order_by(AdminSessionRecord.id)))
        session.expunge_all()
        return rows


def test_a_session_stores_only_the_hash_of_its_id(engine: Engine, admin: AdminAccount) -> None:
    plain, live = _start(engine, admin)
    assert (live.admin_id, live.email) == (admin.id, EMAIL)
    [record] = _records(engine)
    assert record.session_hash == hashlib.sha256(plain.encode()).hexdigest() != plain
    assert record.user_agent == "Firefox/140"
    assert _resume(engine, plain, T0 + timedelta(minutes=5)) == live
    assert _resume(engine, plain + "x", T0) is None
    assert _resume(engine, "", T0) is None


def test_a_session_ends_after_an_idle_hour_or_eight_hours(
    engine: Engine, admin: AdminAccount
) -> None:
    plain, _ = _start(engine, admin)
    # used every 50 minutes, it lives until eight hours after the login
    for step in range(1, 10):
        now = T0 + timedelta(minutes=50 * step)
        assert (_resume(engine, plain, now) is not None) is (now < T0 + SESSION_LIFETIME)
    assert _resume(engine, plain, T0 + SESSION_LIFETIME) is None

    idle, _ = _start(engine, admin)
    assert _resume(engine, idle, T0 + SESSION_IDLE_TIME - timedelta(seconds=1)) is not None
    assert _resume(engine, idle, T0 + 2 * SESSION_IDLE_TIME - timedelta(seconds=2)) is not None
    quiet, _ = _start(engine, admin)
    assert _resume(engine, quiet, T0 + SESSION_IDLE_TIME) is None


def test_last_use_is_written_at_most_once_a_minute(engine: Engine, admin: AdminAccount) -> None:
    plain, _ = _start(engine, admin)
    _resume(engine, plain, T0 + timedelta(seconds=59))
    assert _aware(_records(engine)[0].last_seen_at) == T0
    _resume(engine, plain, T0 + timedelta(seconds=61))
    assert _aware(_records(engine)[0].last_seen_at) == T0 + timedelta(seconds=61)


def test_logout_ends_the_session_and_is_audited(engine: Engine, admin: AdminAccount) -> None:
    plain, live = _start(engine, admin)
    other, _ = _start(engine, admin)
    with transaction(engine) as session:
        admins.end_session(session, plain, now=T0 + timedelta(minutes=1))
    assert _resume(engine, plain, T0 + timedelta(minutes=2)) is None
    assert _resume(engine, other, T0 + timedelta(minutes=2)) is not None
    with transaction(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "logout")).one()
        assert (entry.actor, entry.entity, entry.entity_id) == (EMAIL, "admin_session", live.id)


def test_a_deleted_admin_has_no_session(engine: Engine, admin: AdminAccount) -> None:
    plain, _ = _start(engine, admin)
    with transaction(engine) as session:
        session.execute(delete(AdminUser).where(AdminUser.id == admin.id))
    assert _resume(engine, plain, T0) is None


def test_logging_out_everywhere_else_keeps_this_session(
    engine: Engine, admin: AdminAccount
) -> None:
    here, live = _start(engine, admin)
    there, _ = _start(engine, admin, T0 + timedelta(minutes=1))
    now = T0 + timedelta(minutes=2)
    with transaction(engine) as session:
        assert [s.id for s in admins.admin_sessions(session, admin.id, now=now)] == [
            live.id + 1,
            live.id,
        ]
        assert admins.end_other_sessions(session, live, now=now) == 1
    assert _resume(engine, here, now) is not None
    assert _resume(engine, there, now) is None
    with transaction(engine) as session:
        assert [s.id for s in admins.admin_sessions(session, admin.id, now=now)] == [live.id]
    assert _audit(engine)[-1] == (EMAIL, "revoke_sessions", {"ended": 1})


def test_all_sessions_of_an_admin_end_from_the_command_line(
    engine: Engine, admin: AdminAccount
) -> None:
    plains = [_start(engine, admin)[0] for _ in range(3)]
    with transaction(engine) as session:
        assert admins.end_all_sessions(session, " Ops.Lead@example.org", now=T0) == 3
    assert all(_resume(engine, plain, T0) is None for plain in plains)
    with transaction(engine) as session, pytest.raises(NotFound):
        admins.end_all_sessions(session, "nobody@example.org")


def test_sessions_past_their_lifetime_are_forgotten_at_the_next_login(
    engine: Engine, admin: AdminAccount
) -> None:
    _start(engine, admin)
    _start(engine, admin, T0 + SESSION_LIFETIME + timedelta(minutes=1))
    assert len(_records(engine)) == 1


# --- password change -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "repeated", "problem"),
    [
        ("wrong password", "a new long password", "a new long password", "current password"),
        (PASSWORD, "too short", "too short", "too short"),
        (PASSWORD, "a new long password", "a new long passw0rd", "differ"),
    ],
)
def test_a_bad_password_change_changes_nothing(
    engine: Engine, admin: AdminAccount, old: str, new: str, repeated: str, problem: str
) -> None:
    _, live = _start(engine, admin)
    other, _ = _start(engine, admin)
    before = _stored(engine).password_hash
    with transaction(engine) as session, pytest.raises(InvalidData, match=problem):
        admins.change_password(session, live, old, new, repeated, now=T0)
    assert _stored(engine).password_hash == before
    assert _resume(engine, other, T0) is not None


def test_a_new_password_ends_the_other_sessions(engine: Engine, admin: AdminAccount) -> None:
    here, live = _start(engine, admin)
    there, _ = _start(engine, admin)
    new = "a different long password"
    with transaction(engine) as session:
        assert admins.change_password(session, live, PASSWORD, new, new, now=T0) == 1
    assert _resume(engine, here, T0) is not None and _resume(engine, there, T0) is None
    assert login(engine, EMAIL, new, now=T0).id == admin.id
    with pytest.raises(LoginFailed):
        login(engine, EMAIL, PASSWORD, now=T0)
    assert (EMAIL, "change_password", {"ended_sessions": 1}) in _audit(engine)
    assert new not in str(_audit(engine))


# --- own API tokens ------------------------------------------------------------------


def test_an_admin_sees_and_revokes_only_their_own_tokens(
    engine: Engine, admin: AdminAccount
) -> None:
    _, live = _start(engine, admin)
    with transaction(engine) as session:
        create_admin(session, "other@example.org", "another long password")
        mine = issue_token(session, EMAIL, "dashboard").info
        theirs = issue_token(session, "other@example.org", "theirs").info
    with transaction(engine) as session:
        assert [(t.id, t.name) for t in api_tokens.own_tokens(session, live)] == [
            (mine.id, "dashboard")
        ]
        with pytest.raises(NotFound):
            api_tokens.revoke_own_token(session, live, theirs.id, now=T0)
        assert api_tokens.revoke_own_token(session, live, mine.id, now=T0)
    with transaction(engine) as session:
        [token] = api_tokens.own_tokens(session, live)
        assert token.revoked_at is not None
        assert session.get(ApiToken, theirs.id).revoked_at is None  # type: ignore[union-attr]
