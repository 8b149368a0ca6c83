"""API tokens of admins: look-ups and writes. Only a token's SHA-256 is ever stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.store.schema import AdminUser, ApiToken


def add_api_token(
    session: Session, admin_id: int, name: str, token_hash: str, now: datetime
) -> ApiToken:
    token = ApiToken(admin_id=admin_id, name=name, token_hash=token_hash, created_at=now)
    session.add(token)
    session.flush()
    return token


def find_api_token(session: Session, token_hash: str) -> tuple[ApiToken, AdminUser] | None:
    """The token with this hash and its admin, whether or not it is revoked."""
    row = session.execute(
        select(ApiToken, AdminUser)
        .join(AdminUser, AdminUser.id == ApiToken.admin_id)
        .where(ApiToken.token_hash == token_hash)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def get_api_token(session: Session, token_id: int) -> tuple[ApiToken, AdminUser] | None:
    """The token with this id and its admin, locked for update where supported."""
    row = session.execute(
        select(ApiToken, AdminUser)
        .join(AdminUser, AdminUser.id == ApiToken.admin_id)
        .where(ApiToken.id == token_id)
        .with_for_update(of=ApiToken)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def record_token_use(token: ApiToken, now: datetime) -> None:
    token.last_used_at = now


def revoke_api_token(token: ApiToken, now: datetime) -> None:
    token.revoked_at = now
