"""Admin accounts: look-ups and the writes of account creation and login."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from colead.errors import AlreadyExists
from colead.store.schema import AdminUser


def find_admin(session: Session, email: str, *, for_update: bool = True) -> AdminUser | None:
    """The admin with this (already normalised) e-mail, locked for update where supported
    (PostgreSQL; SQLite serialises writers), so that a change of the account is not lost
    to another made at the same time.

    A login reads without the row lock (``for_update=False``): it counts its attempt with
    :func:`count_login_attempt`, which needs none, and a lock held while the password is
    hashed would make every login of the account wait for the one before.
    """
    query = select(AdminUser).where(AdminUser.email == email)
    return session.scalars(query.with_for_update() if for_update else query).one_or_none()


def list_admins(session: Session) -> list[AdminUser]:
    return list(session.scalars(select(AdminUser).order_by(AdminUser.email)))


def add_admin(session: Session, email: str, password_hash: str, now: datetime) -> AdminUser:
    """Store a new admin; an e-mail taken meanwhile by another process is AlreadyExists."""
    admin = AdminUser(email=email, password_hash=password_hash, created_at=now, failed_logins=0)
    try:
        with session.begin_nested():
            session.add(admin)
            session.flush()
    except IntegrityError:
        raise AlreadyExists(
            f"An admin with the e-mail {email} already exists.",
            "Use --reset-password to give that admin a new password.",
        ) from None
    return admin


def set_password_hash(admin: AdminUser, password_hash: str) -> None:
    """A new password: it also ends any lock and clears the failure count."""
    admin.password_hash = password_hash
    admin.failed_logins = 0
    admin.locked_until = None


def count_login_attempt(
    session: Session, admin: AdminUser, *, now: datetime, limit: int, lock_until: datetime
) -> tuple[int, datetime | None] | None:
    """Count one login attempt of ``admin``, in one statement, unless it is locked at ``now``.

    The database adds one to the stored count itself (``UPDATE ... SET failed_logins =
    failed_logins + 1 ... RETURNING``; SQLite 3.35 or later), so attempts made at the same
    time never overwrite each other's count, and the lock is checked in the same statement,
    so no attempt passes a lock that another has just set. The attempt that reaches
    ``limit`` locks the account until ``lock_until`` and starts the count again.

    Returns the attempt's number in a row and, when it locked the account, until when;
    None when the account is locked (nothing is counted). ``admin``'s count and lock are
    read again from the database when next used.
    """
    reaches_limit = AdminUser.failed_logins + 1 >= limit
    lock_end = literal(lock_until, AdminUser.locked_until.type)
    statement = (
        update(AdminUser)
        .where(
            AdminUser.id == admin.id,
            or_(AdminUser.locked_until.is_(None), AdminUser.locked_until <= now),
        )
        .values(
            failed_logins=case((reaches_limit, 0), else_=AdminUser.failed_logins + 1),
            locked_until=case((reaches_limit, lock_end), else_=None),
        )
        .returning(AdminUser.failed_logins, AdminUser.locked_until)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).one_or_none()
    session.expire(admin, ["failed_logins", "locked_until"])
    if row is None:
        return None
    failures, locked = row
    return (limit, lock_until) if locked is not None else (int(failures), None)


def record_login(admin: AdminUser, now: datetime, password_hash: str | None = None) -> None:
    """A successful login; ``password_hash`` replaces the stored hash when given (rehash)."""
    admin.failed_logins = 0
    admin.locked_until = None
    admin.last_login_at = now
    if password_hash is not None:
        admin.password_hash = password_hash
