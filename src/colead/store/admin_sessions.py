"""Admin sessions, failed logins per client address, and an admin's own API tokens.

Only the SHA-256 of a session id is stored, like survey and API tokens, so a copy of the
database opens no session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from colead.store.schema import AdminUser, ApiToken
from colead.store.schema_console import AdminSessionRecord, LoginFailure

# --- sessions ------------------------------------------------------------------------


def add_session(
    session: Session, admin_id: int, session_hash: str, now: datetime, user_agent: str | None
) -> AdminSessionRecord:
    record = AdminSessionRecord(
        admin_id=admin_id,
        session_hash=session_hash,
        created_at=now,
        last_seen_at=now,
        user_agent=user_agent,
    )
    session.add(record)
    session.flush()
    return record


def find_session(
    session: Session, session_hash: str
) -> tuple[AdminSessionRecord, AdminUser] | None:
    """The session with this hash and its admin; None when either is gone."""
    row = session.execute(
        select(AdminSessionRecord, AdminUser)
        .join(AdminUser, AdminUser.id == AdminSessionRecord.admin_id)
        .where(AdminSessionRecord.session_hash == session_hash)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def touch_session(record: AdminSessionRecord, now: datetime) -> None:
    record.last_seen_at = now


def revoke_session(record: AdminSessionRecord, now: datetime) -> None:
    record.revoked_at = now


def live_sessions(
    session: Session, admin_id: int, created_after: datetime, seen_after: datetime
) -> list[AdminSessionRecord]:
    """An admin's sessions that are neither revoked nor expired, newest first."""
    return list(
        session.scalars(
            select(AdminSessionRecord)
            .where(
                AdminSessionRecord.admin_id == admin_id,
                AdminSessionRecord.revoked_at.is_(None),
                AdminSessionRecord.created_at > created_after,
                AdminSessionRecord.last_seen_at > seen_after,
            )
            .order_by(AdminSessionRecord.last_seen_at.desc(), AdminSessionRecord.id.desc())
        )
    )


def revoke_sessions(
    session: Session, admin_id: int, now: datetime, *, keep_id: int | None = None
) -> int:
    """Revoke every unrevoked session of an admin except ``keep_id``; how many were."""
    statement = update(AdminSessionRecord).where(
        AdminSessionRecord.admin_id == admin_id, AdminSessionRecord.revoked_at.is_(None)
    )
    if keep_id is not None:
        statement = statement.where(AdminSessionRecord.id != keep_id)
    result = session.execute(statement.values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_dead_sessions(session: Session, admin_id: int, created_before: datetime) -> None:
    """Forget an admin's sessions that are past their lifetime or revoked before then."""
    session.execute(
        delete(AdminSessionRecord).where(
            AdminSessionRecord.admin_id == admin_id,
            or_(
                AdminSessionRecord.created_at <= created_before,
                AdminSessionRecord.revoked_at <= created_before,
            ),
        )
    )


# --- failed logins per client address ------------------------------------------------


def add_login_failure(
    session: Session, client: str, now: datetime, forget_before: datetime
) -> None:
    """Record a failed login from ``client`` and delete every failure older than
    ``forget_before``, so the table never holds more than one window's worth."""
    session.execute(delete(LoginFailure).where(LoginFailure.at < forget_before))
    session.add(LoginFailure(client=client, at=now))
    session.flush()


def login_failures_since(
    session: Session, client: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many failed logins ``client`` has had after ``since``, and the oldest of them."""
    count, oldest = session.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
            LoginFailure.client == client, LoginFailure.at > since
        )
    ).one()
    return int(count), oldest


# --- an admin's API tokens -----------------------------------------------------------


def admin_tokens(session: Session, admin_id: int) -> list[ApiToken]:
    """An admin's API tokens, live ones first, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.admin_id == admin_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )
