"""Bearer tokens for the JSON API: issue, revoke and verify.

A token is shown once, when it is issued; only its SHA-256 is stored, so a copy of the
database holds no usable token. Every refusal (no token, an unknown one, a revoked one)
is the same :class:`TokenRefused`, so an answer never tells whether a token existed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from colead.accounts.admins import LiveSession, aware, normalise_email
from colead.errors import InvalidData, LoginFailed, NotFound
from colead.store.admin_sessions import admin_tokens
from colead.store.admins import find_admin
from colead.store.api_tokens import (
    add_api_token,
    find_api_token,
    get_api_token,
    record_token_use,
    revoke_api_token,
)
from colead.store.reviews import audit
from colead.store.schema import AdminUser, ApiToken, utcnow
from colead.store.waves import hash_token

#: marks colead tokens, so secret scanners and people recognise a leaked one
TOKEN_PREFIX = "colead_"
TOKEN_BYTES = 32
MAX_NAME_LENGTH = 100
#: longer bearer values are refused without hashing them
MAX_TOKEN_LENGTH = 200


class TokenRefused(LoginFailed):
    """A request to the API without a valid token: missing, unknown or revoked alike."""

    code = "unauthorized"


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token or its hash."""

    id: int
    name: str
    admin_email: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    info: TokenInfo
    #: the plain token; it exists only here and is never stored
    token: str


@dataclass(frozen=True)
class ApiCaller:
    """The admin a verified token belongs to."""

    admin_id: int
    email: str
    token_id: int


def refused() -> TokenRefused:
    return TokenRefused(
        "Missing or invalid API token.",
        "Send 'Authorization: Bearer <token>' with a token from `colead admin token create`.",
    )


def issue_token(
    session: Session, email: str, name: str, *, actor: str = "cli", now: datetime | None = None
) -> IssuedToken:
    """A new token for the admin with ``email``; NotFound when there is no such admin."""
    label = name.strip()
    if not label or len(label) > MAX_NAME_LENGTH:
        raise InvalidData(
            "A token needs a name of 1 to 100 characters.",
            "Name it after what uses it, e.g. --name 'HR dashboard'.",
        )
    address = normalise_email(email)
    admin = find_admin(session, address)
    if admin is None:
        raise NotFound(
            f"No admin with the e-mail {address}.",
            "List the admins with `colead admin list`, or create one with `colead admin create`.",
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = add_api_token(session, admin.id, label, hash_token(plain), now or utcnow())
    audit(session, actor, "create", "api_token", token.id, email=address, name=label)
    return IssuedToken(_info(token, admin), plain)


def revoke_token(
    session: Session, token_id: int, *, actor: str = "cli", now: datetime | None = None
) -> tuple[TokenInfo, bool]:
    """Revoke a token; returns it and whether it was revoked now (False: already was)."""
    found = get_api_token(session, token_id)
    if found is None:
        raise NotFound(
            f"No API token with the id {token_id}.",
            "The id is shown when the token is created.",
        )
    token, admin = found
    if token.revoked_at is not None:
        return _info(token, admin), False
    revoke_api_token(token, now or utcnow())
    audit(session, actor, "revoke", "api_token", token.id, email=admin.email, name=token.name)
    return _info(token, admin), True


def verify_token(session: Session, token: str | None, *, now: datetime) -> ApiCaller:
    """The admin whose live token this is, recording its use; else TokenRefused."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise refused()
    found = find_api_token(session, hash_token(token))
    if found is None or found[0].revoked_at is not None:
        raise refused()
    stored, admin = found
    record_token_use(stored, now)
    return ApiCaller(admin_id=admin.id, email=admin.email, token_id=stored.id)


def _info(token: ApiToken, admin: AdminUser) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        name=token.name,
        admin_email=admin.email,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


# --- the API tokens of the logged-in admin -------------------------------------------


def own_tokens(session: Session, current: LiveSession) -> list[TokenInfo]:
    """The admin's API tokens (never the tokens themselves), live ones first."""
    return [
        TokenInfo(
            id=token.id,
            name=token.name,
            admin_email=current.email,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )
        for token in admin_tokens(session, current.admin_id)
    ]


def revoke_own_token(
    session: Session, current: LiveSession, token_id: int, *, now: datetime
) -> bool:
    """Revoke one of the admin's own tokens; NotFound for anybody else's."""
    if all(token.id != token_id for token in admin_tokens(session, current.admin_id)):
        raise NotFound(f"You have no API token with the id {token_id}.")
    _, revoked = revoke_token(session, token_id, actor=current.email, now=aware(now))
    return revoked
