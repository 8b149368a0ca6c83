"""Admin accounts: look-ups and the writes of account creation and login."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from colead.errors import AlreadyExists
from colead.store.schema import AdminUser


def find_admin(session: Session, email: str) -> AdminUser | None:
    """The admin with this (already normalised) e-mail, locked for update where supported.

    The row lock makes concurrent logins of one account count their failures one after
    the other instead of overwriting each other (PostgreSQL; SQLite serialises writers).
    """
    return session.scalars(
        select(AdminUser).where(AdminUser.email == email).with_for_update()
    ).one_or_none()


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


def record_failed_login(admin: AdminUser, failures: int, locked_until: datetime | None) -> None:
    admin.failed_logins = failures
    admin.locked_until = locked_until


def record_login(admin: AdminUser, now: datetime, password_hash: str | None = None) -> None:
    """A successful login; ``password_hash`` replaces the stored hash when given (rehash)."""
    admin.failed_logins = 0
    admin.locked_until = None
    admin.last_login_at = now
    if password_hash is not None:
        admin.password_hash = password_hash
