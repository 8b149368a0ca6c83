"""Signed session cookies of the admin console, with a CSRF token per session.

The cookie holds the admin's e-mail and the session's CSRF token, signed with the secret
key (``COLEAD_SECRET_KEY``) and stamped with the time it was issued: a cookie older than
eight hours, or one whose signature does not match, is no session. Nothing is kept on the
server, so any number of workers share sessions through the secret alone.

A visitor who is not logged in gets a session without an e-mail, so that the login form
carries a CSRF token too; logging in replaces it with a fresh session.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from colead.config import Settings
from colead.errors import ConfigurationError

log = logging.getLogger("colead.web")

COOKIE_NAME = "colead_admin"
#: how long a session lasts, in seconds
MAX_AGE = 8 * 60 * 60
#: a production secret must be at least this long
MIN_SECRET_LENGTH = 32
#: placeholders from examples and templates, never a real secret
PLACEHOLDER_SECRETS = frozenset(
    {"change-me", "changeme", "change_me", "secret", "secret-key", "dev", "development", "colead"}
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_SALT = "colead.admin.session"


@dataclass(frozen=True)
class AdminSession:
    """One browser's session: ``email`` is None until an admin logs in."""

    email: str | None
    csrf: str

    @property
    def logged_in(self) -> bool:
        return self.email is not None


def secret_key(settings: Settings) -> str:
    """The key that signs sessions.

    In production an unset, placeholder or short key is a ConfigurationError; in
    development an unset key is replaced by a random one for this process (sessions then
    end when it stops), and the log says so.
    """
    given = (settings.secret_key or "").strip()
    if settings.env == "production":
        if not given or given.lower() in PLACEHOLDER_SECRETS or len(given) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                "COLEAD_SECRET_KEY is unset or not a real secret, and COLEAD_ENV is production.",
                f"Set COLEAD_SECRET_KEY to a random value of at least {MIN_SECRET_LENGTH} "
                'characters, e.g. the output of `python -c "import secrets; '
                'print(secrets.token_urlsafe(48))"`, the same for every worker.',
            )
        return given
    if given:
        return given
    log.warning(
        "COLEAD_SECRET_KEY is not set: admin sessions are signed with a random key made for "
        "this process and end when it stops. Set COLEAD_SECRET_KEY to keep them."
    )
    return secrets.token_urlsafe(48)


def secure_cookie(public_url: str) -> bool:
    """Whether the cookie is sent only over HTTPS: always, except plain http on localhost."""
    parts = urlsplit(public_url)
    return not (parts.scheme.lower() == "http" and (parts.hostname or "") in _LOCAL_HOSTS)


class SessionCookies:
    """Reads and writes the session cookie."""

    def __init__(self, secret: str, *, secure: bool, path: str = "/") -> None:
        self._signer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.secure = secure
        self.path = path

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionCookies:
        return cls(secret_key(settings), secure=secure_cookie(settings.public_url))

    def read(self, request: Request) -> AdminSession | None:
        """The session of the request's cookie, or None when it is missing, forged or old."""
        value = request.cookies.get(COOKIE_NAME)
        if not value:
            return None
        try:
            data: Any = self._signer.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        email, csrf = data.get("e"), data.get("c")
        if not isinstance(csrf, str) or not csrf or not (email is None or isinstance(email, str)):
            return None
        return AdminSession(email, csrf)

    def write(self, response: Response, session: AdminSession) -> None:
        response.set_cookie(
            COOKIE_NAME,
            self._signer.dumps({"e": session.email, "c": session.csrf}),
            max_age=MAX_AGE,
            path=self.path,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            COOKIE_NAME, path=self.path, secure=self.secure, httponly=True, samesite="lax"
        )


def new_session(email: str | None = None) -> AdminSession:
    """A session with a fresh CSRF token."""
    return AdminSession(email, secrets.token_urlsafe(32))


def csrf_matches(session: AdminSession | None, token: str | None) -> bool:
    """Whether a form's CSRF token is its session's (compared in constant time)."""
    if session is None or not token:
        return False
    return secrets.compare_digest(session.csrf.encode(), token.encode())
