"""Admin accounts: creation, password rules and login with lockout.

Passwords are stored only as argon2id hashes (argon2-cffi's defaults, the low-memory
profile of RFC 9106); checking one takes the same work whether or not the e-mail belongs
to an account, and every refusal is the same :class:`LoginFailed`, so a login form never
tells whether an account exists. Five failed logins in a row lock an account for fifteen
minutes; a success or a new password clears the count.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.errors import AlreadyExists, InvalidData, LoginFailed
from colead.store import transaction
from colead.store.admins import (
    add_admin,
    find_admin,
    record_failed_login,
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

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HASHER = PasswordHasher()


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


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (PHC string with its salt and parameters)."""
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one hashed; argon2 compares in constant time."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
    A reset also ends a lock. Both are audited; the password never is.
    """
    address = check_new_admin(session, email, reset_password=reset_password)
    check_password_rules(password)
    moment = now or utcnow()
    admin = find_admin(session, address)
    if admin is not None:
        set_password_hash(admin, hash_password(password))
        audit(session, actor, "reset_password", "admin_user", admin.id, email=address)
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


def verify_login(session: Session, email: str, password: str, *, now: datetime) -> AdminAccount:
    """The admin whose e-mail and password these are, or LoginFailed.

    Unknown e-mail, wrong password and locked account all raise the same LoginFailed
    after the same hashing work. A wrong password counts a failure; the fifth in a row
    locks the account for LOCK_TIME (during which even the right password is refused)
    and starts the count again. A success clears the count, records the time and, when
    the stored hash uses weaker parameters than today's, stores a new hash.

    The failure count is written to ``session`` before LoginFailed is raised: the caller
    must commit it anyway (:func:`login` does).
    """
    now = aware(now)
    try:
        address: str | None = normalise_email(email)
    except InvalidData:
        address = None
    admin = find_admin(session, address) if address is not None else None
    if admin is None:
        password_matches(_dummy_hash(), password)
        raise _refused()
    matches = password_matches(admin.password_hash, password)
    if admin.locked_until is not None and aware(admin.locked_until) > now:
        audit(session, admin.email, "login_refused", "admin_user", admin.id, reason="locked")
        raise _refused()
    if not matches:
        _count_failure(session, admin, now)
        raise _refused()
    fresh = hash_password(password) if _HASHER.check_needs_rehash(admin.password_hash) else None
    record_login(admin, now, fresh)
    audit(session, admin.email, "login", "admin_user", admin.id, rehashed=fresh is not None)
    return _account(admin)


def login(engine: Engine, email: str, password: str, *, now: datetime) -> AdminAccount:
    """:func:`verify_login` in a transaction of its own that keeps a failure's count."""
    refused: LoginFailed | None = None
    with transaction(engine) as session:
        try:
            return verify_login(session, email, password, now=now)
        except LoginFailed as exc:
            refused = exc
    raise refused


def _count_failure(session: Session, admin: AdminUser, now: datetime) -> None:
    failures = admin.failed_logins + 1
    locked_until = now + LOCK_TIME if failures >= MAX_FAILED_LOGINS else None
    record_failed_login(admin, 0 if locked_until else failures, locked_until)
    audit(
        session,
        admin.email,
        "login_failed",
        "admin_user",
        admin.id,
        failures=failures,
        locked_until=locked_until.isoformat() if locked_until else None,
    )


def _refused() -> LoginFailed:
    return LoginFailed(
        "Wrong e-mail or password.",
        f"After {MAX_FAILED_LOGINS} failed attempts in a row an account is locked for "
        f"{int(LOCK_TIME.total_seconds() // 60)} minutes.",
    )


@cache
def _dummy_hash() -> str:
    """A hash of a random password, checked against when the e-mail is unknown."""
    return hash_password(secrets.token_urlsafe(16))


def _account(admin: AdminUser) -> AdminAccount:
    return AdminAccount(
        id=admin.id,
        email=admin.email,
        created_at=admin.created_at,
        failed_logins=admin.failed_logins,
        locked_until=admin.locked_until,
        last_login_at=admin.last_login_at,
    )
