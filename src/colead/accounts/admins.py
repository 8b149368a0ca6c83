"""Admin accounts: creation, password rules and login with lockout.

Passwords are stored only as argon2id hashes (argon2-cffi's defaults, the low-memory
profile of RFC 9106); checking one takes the same work whether or not the e-mail belongs
to an account, and every refusal is the same :class:`LoginFailed`, so a login form never
tells whether an account exists. Five failed logins in a row lock an account for fifteen
minutes; a success or a new password clears the count. After twenty failed logins from one
client address within fifteen minutes, that address may not try again until the oldest of
them is fifteen minutes old (counted in the database, so every worker agrees).

Logins sent in parallel cannot get round the lock: each attempt is counted in the database
in one statement before its password is checked
(:func:`colead.store.admins.count_login_attempt`), so of any number of guesses sent at
once only five are checked against the account's hash; the others meet the lock. The web
app also bounds how many password checks run at once
(:class:`colead.accounts.passwords.PasswordChecks`).

A login starts a session: a random id, of which only the SHA-256 is stored, that lives at
most eight hours and ends after an hour without use, at logout, or when the admin logs
out everywhere else or changes their password.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.accounts.passwords import (
    PasswordChecks,
    dummy_hash,
    hash_password,
    needs_rehash,
    password_matches,
)
from colead.errors import AlreadyExists, InvalidData, LoginFailed, NotFound
from colead.store import transaction
from colead.store.admin_sessions import (
    add_login_failure,
    add_session,
    delete_dead_sessions,
    find_session,
    live_sessions,
    login_failures_since,
    revoke_session,
    revoke_sessions,
    touch_session,
)
from colead.store.admins import (
    add_admin,
    count_login_attempt,
    find_admin,
    record_login,
    set_password_hash,
)
from colead.store.admins import list_admins as stored_admins
from colead.store.reviews import audit
from colead.store.schema import AdminUser, utcnow

MIN_PASSWORD_LENGTH = 12
#: failed logins in a row that lock an account
MAX_FAILED_LOGINS = 5
LOCK_TIME = timedelta(minutes=15)
#: failed logins from one client address within LOGIN_WINDOW before it must wait
MAX_CLIENT_FAILURES = 20
LOGIN_WINDOW = timedelta(minutes=15)
#: a session ends this long after the login, however busy
SESSION_LIFETIME = timedelta(hours=8)
#: ... and this long after it was last used
SESSION_IDLE_TIME = timedelta(minutes=60)
#: a session's last use is written at most this often, to keep page views read-only
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
#: longer client addresses and browser names are cut to fit their columns
MAX_CLIENT_LENGTH = 64
MAX_USER_AGENT_LENGTH = 300

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class AdminAccount:
    """What may be shown about an admin: never the password hash."""

    id: int
    email: str
    created_at: datetime
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and aware(self.locked_until) > aware(now)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; SQLite hands stored UTC times back without one."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def normalise_email(email: str) -> str:
    """The e-mail as stored: stripped and lower-case; InvalidData when it is not one."""
    address = email.strip().lower()
    if len(address) > 320 or not _EMAIL.fullmatch(address):
        raise InvalidData(
            f"{email.strip()!r} is not an e-mail address.",
            "Give the admin's address, e.g. name@example.org.",
        )
    return address


def check_password_rules(password: str) -> None:
    """Raise InvalidData when ``password`` may not be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            f"The password is too short ({len(password)} characters).",
            f"Use at least {MIN_PASSWORD_LENGTH} characters; a phrase of several words is "
            "long and easy to remember.",
        )


def create_admin(
    session: Session,
    email: str,
    password: str,
    *,
    reset_password: bool = False,
    actor: str = "cli",
    now: datetime | None = None,
) -> tuple[AdminAccount, bool]:
    """Create an admin, or give an existing one a new password when ``reset_password``.

    Returns the account and whether it was created. An existing e-mail without
    ``reset_password`` is AlreadyExists; a bad e-mail or a short password is InvalidData.
    A reset also ends a lock, and every session of the account: a password is reset when
    it may be known to someone else, who may then be logged in already. Both are audited
    (the reset with the number of sessions it ended); the password never is.
    """
    address = check_new_admin(session, email, reset_password=reset_password)
    check_password_rules(password)
    moment = now or utcnow()
    admin = find_admin(session, address)
    if admin is not None:
        set_password_hash(admin, hash_password(password))
        ended = revoke_sessions(session, admin.id, aware(moment))
        audit(
            session,
            actor,
            "reset_password",
            "admin_user",
            admin.id,
            email=address,
            ended_sessions=ended,
        )
        return _account(admin), False
    admin = add_admin(session, address, hash_password(password), moment)
    audit(session, actor, "create", "admin_user", admin.id, email=address)
    return _account(admin), True


def check_new_admin(session: Session, email: str, *, reset_password: bool = False) -> str:
    """The normalised e-mail, when :func:`create_admin` may use it (asked before a password).

    InvalidData for a malformed address; AlreadyExists for a taken one unless
    ``reset_password``.
    """
    address = normalise_email(email)
    if not reset_password and find_admin(session, address) is not None:
        raise AlreadyExists(
            f"An admin with the e-mail {address} already exists.",
            "Use --reset-password to give that admin a new password.",
        )
    return address


def list_admins(session: Session) -> list[AdminAccount]:
    return [_account(admin) for admin in stored_admins(session)]


@dataclass(frozen=True)
class _Attempt:
    """A login attempt, counted before its password is checked.

    ``password_hash`` is what the password is checked against: the account's, or a dummy
    when there is no such account or it is locked (the same work, and a locked account's
    hash is never compared with a guess).
    """

    admin_id: int | None
    email: str | None
    password_hash: str
    locked: bool = False
    #: the attempt's number in a row, and until when it locked the account (if it did)
    failures: int = 0
    locked_until: datetime | None = None


def _take_attempt(session: Session, email: str, now: datetime) -> _Attempt:
    try:
        address: str | None = normalise_email(email)
    except InvalidData:
        address = None
    admin = find_admin(session, address, for_update=False) if address is not None else None
    if admin is None:
        return _Attempt(None, None, dummy_hash())
    counted = count_login_attempt(
        session, admin, now=now, limit=MAX_FAILED_LOGINS, lock_until=now + LOCK_TIME
    )
    if counted is None:
        return _Attempt(admin.id, admin.email, dummy_hash(), locked=True)
    failures, locked_until = counted
    return _Attempt(admin.id, admin.email, admin.password_hash, False, failures, locked_until)


def _check(attempt: _Attempt, password: str) -> tuple[bool, str | None]:
    """Whether the password is the account's, and a new hash of it when the stored one
    uses weaker parameters than today's."""
    matches = password_matches(attempt.password_hash, password)
    if not matches or attempt.admin_id is None or attempt.locked:
        return False, None
    fresh = hash_password(password) if needs_rehash(attempt.password_hash) else None
    return True, fresh


def _settle(
    session: Session, attempt: _Attempt, matches: bool, fresh: str | None, now: datetime
) -> AdminAccount:
    """Record the attempt's outcome; the account, or LoginFailed."""
    if attempt.admin_id is None or attempt.email is None:
        raise _refused()
    if attempt.locked:
        audit(
            session, attempt.email, "login_refused", "admin_user", attempt.admin_id, reason="locked"
        )
        raise _refused()
    if not matches:
        until = attempt.locked_until
        audit(
            session,
            attempt.email,
            "login_failed",
            "admin_user",
            attempt.admin_id,
            failures=attempt.failures,
            locked_until=until.isoformat() if until else None,
        )
        raise _refused()
    admin = session.get(AdminUser, attempt.admin_id)
    if admin is None:  # deleted while the password was checked
        raise _refused()
    record_login(admin, now, fresh)
    audit(session, admin.email, "login", "admin_user", admin.id, rehashed=fresh is not None)
    return _account(admin)


def verify_login(
    session: Session,
    email: str,
    password: str,
    *,
    now: datetime,
    checks: PasswordChecks | None = None,
) -> AdminAccount:
    """The admin whose e-mail and password these are, or LoginFailed.

    Unknown e-mail, wrong password and locked account all raise the same LoginFailed
    after the same hashing work. Every attempt on an account that is not locked is
    counted before the password is checked; the fifth in a row locks the account for
    LOCK_TIME (during which even the right password is refused) and starts the count
    again. A success clears the count, records the time and, when the stored hash uses
    weaker parameters than today's, stores a new hash. With ``checks``, the password is
    checked in one of its slots (LoginBusy, counting nothing, when none comes free).

    The count is written to ``session`` before LoginFailed is raised: the caller must
    commit it anyway (:func:`login` does). :func:`login` also commits the count before
    the password is checked, so that parallel logins see it at once; here the caller's
    transaction holds it until the end.
    """
    moment = aware(now)
    with checks.slot() if checks is not None else nullcontext():
        attempt = _take_attempt(session, email, moment)
        matches, fresh = _check(attempt, password)
    return _settle(session, attempt, matches, fresh, moment)


def login(
    engine: Engine,
    email: str,
    password: str,
    *,
    now: datetime,
    client: str | None = None,
    checks: PasswordChecks | None = None,
) -> AdminAccount:
    """:func:`verify_login` with transactions of its own that keep a failure's count.

    The attempt is counted and committed first, the password is checked outside any
    transaction (so that no database lock is held while it is hashed), and the outcome is
    recorded in a second transaction. With ``client`` (the caller's address) a failure
    also counts towards that address's limit (:func:`login_retry_after`); a login refused
    because no password check came free (LoginBusy) counts nowhere.
    """
    moment = aware(now)
    with checks.slot() if checks is not None else nullcontext():
        with transaction(engine) as session:
            attempt = _take_attempt(session, email, moment)
        matches, fresh = _check(attempt, password)
    refused: LoginFailed | None = None
    with transaction(engine) as session:
        try:
            return _settle(session, attempt, matches, fresh, moment)
        except LoginFailed as exc:
            refused = exc
            if client is not None:
                add_login_failure(
                    session, client[:MAX_CLIENT_LENGTH], moment, moment - LOGIN_WINDOW
                )
    raise refused


def login_retry_after(session: Session, client: str, *, now: datetime) -> int | None:
    """Seconds until ``client`` may try to log in again; None when it may now.

    An address that has failed MAX_CLIENT_FAILURES times within LOGIN_WINDOW waits until
    the oldest of those failures is older than the window.
    """
    moment = aware(now)
    count, oldest = login_failures_since(session, client[:MAX_CLIENT_LENGTH], moment - LOGIN_WINDOW)
    if count < MAX_CLIENT_FAILURES or oldest is None:
        return None
    return max(1, math.ceil((aware(oldest) + LOGIN_WINDOW - moment).total_seconds()))


# --- sessions ------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveSession:
    """A session that may be used now, and whose admin it is."""

    id: int
    admin_id: int
    email: str


@dataclass(frozen=True)
class SessionInfo:
    """What the account page shows of a session."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    user_agent: str | None


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(
    session: Session, admin_id: int, *, user_agent: str | None, now: datetime
) -> tuple[str, LiveSession]:
    """A new session of the admin: its plain id (for the cookie only) and the session.

    The admin's sessions that are past their lifetime are forgotten on the way.
    """
    moment = aware(now)
    delete_dead_sessions(session, admin_id, moment - SESSION_LIFETIME)
    plain = secrets.token_urlsafe(32)
    agent = user_agent[:MAX_USER_AGENT_LENGTH] if user_agent else None
    record = add_session(session, admin_id, session_hash(plain), moment, agent)
    admin = session.get(AdminUser, admin_id)
    if admin is None:
        raise NotFound("The admin of this session no longer exists.")
    return plain, LiveSession(record.id, admin_id, admin.email)


def resume_session(session: Session, session_id: str, *, now: datetime) -> LiveSession | None:
    """The session with this plain id when it may still be used, noting its use; else None.

    None when it is unknown, revoked, its admin is deleted, it is older than
    SESSION_LIFETIME or unused for SESSION_IDLE_TIME.
    """
    if not session_id or len(session_id) > 200:
        return None
    found = find_session(session, session_hash(session_id))
    if found is None:
        return None
    record, admin = found
    moment = aware(now)
    last_seen = aware(record.last_seen_at)
    if (
        record.revoked_at is not None
        or aware(record.created_at) <= moment - SESSION_LIFETIME
        or last_seen <= moment - SESSION_IDLE_TIME
    ):
        return None
    if moment - last_seen >= SESSION_TOUCH_INTERVAL:
        touch_session(record, moment)
    return LiveSession(record.id, admin.id, admin.email)


def end_session(session: Session, session_id: str, *, now: datetime) -> None:
    """Log out: the session can no longer be used, on any worker."""
    found = find_session(session, session_hash(session_id))
    if found is None or found[0].revoked_at is not None:
        return
    record, admin = found
    revoke_session(record, aware(now))
    audit(session, admin.email, "logout", "admin_session", record.id)


def admin_sessions(session: Session, admin_id: int, *, now: datetime) -> list[SessionInfo]:
    """The admin's sessions that may still be used, most recently used first."""
    moment = aware(now)
    records = live_sessions(
        session, admin_id, moment - SESSION_LIFETIME, moment - SESSION_IDLE_TIME
    )
    return [
        SessionInfo(record.id, record.created_at, record.last_seen_at, record.user_agent)
        for record in records
    ]


def end_other_sessions(session: Session, current: LiveSession, *, now: datetime) -> int:
    """Log out everywhere but in ``current``; how many sessions ended."""
    ended = revoke_sessions(session, current.admin_id, aware(now), keep_id=current.id)
    audit(session, current.email, "revoke_sessions", "admin_user", current.admin_id, ended=ended)
    return ended


def end_all_sessions(
    session: Session, email: str, *, actor: str = "cli", now: datetime | None = None
) -> int:
    """Log an admin out everywhere; NotFound when there is no such admin."""
    address = normalise_email(email)
    admin = find_admin(session, address)
    if admin is None:
        raise NotFound(
            f"No admin with the e-mail {address}.",
            "List the admins with `colead admin list`.",
        )
    ended = revoke_sessions(session, admin.id, aware(now or utcnow()))
    audit(session, actor, "revoke_sessions", "admin_user", admin.id, email=address, ended=ended)
    return ended


def change_password(
    session: Session,
    current: LiveSession,
    old_password: str,
    new_password: str,
    repeated: str,
    *,
    now: datetime,
) -> int:
    """Give the admin of ``current`` a new password and end their other sessions.

    InvalidData when the current password is wrong, the new one breaks the rules or the
    two copies differ. Returns how many other sessions ended.
    """
    admin = find_admin(session, current.email)
    if admin is None:
        raise NotFound("The admin of this session no longer exists.")
    if not password_matches(admin.password_hash, old_password):
        raise InvalidData("The current password is wrong.", "Type the password you logged in with.")
    check_password_rules(new_password)
    if not secrets.compare_digest(new_password.encode(), repeated.encode()):
        raise InvalidData(
            "The two copies of the new password differ.", "Type the same new password twice."
        )
    set_password_hash(admin, hash_password(new_password))
    ended = revoke_sessions(session, admin.id, aware(now), keep_id=current.id)
    audit(session, admin.email, "change_password", "admin_user", admin.id, ended_sessions=ended)
    return ended


def _refused() -> LoginFailed:
    return LoginFailed(
        "Wrong e-mail or password.",
        f"After {MAX_FAILED_LOGINS} failed attempts in a row an account is locked for "
        f"{int(LOCK_TIME.total_seconds() // 60)} minutes.",
    )


def _account(admin: AdminUser) -> AdminAccount:
    return AdminAccount(
        id=admin.id,
        email=admin.email,
        created_at=admin.created_at,
        failed_logins=admin.failed_logins,
        locked_until=admin.locked_until,
        last_login_at=admin.last_login_at,
    )
