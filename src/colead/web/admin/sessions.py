"""Admin console sessions: a signed cookie naming a session kept in the database.

The cookie holds a random session id and the session's CSRF token, signed with the secret
key (``COLEAD_SECRET_KEY``) and stamped with the time it was issued; a cookie whose
signature does not match, or older than eight hours, is no session. The database holds
only the SHA-256 of the id (``colead.accounts.admins``), so every worker sees a logout, a
"log out everywhere else", an idle or expired session and a deleted admin at once.

A visitor who is not logged in gets a cookie-only session without an id, so that the login
form carries a CSRF token too; nothing is stored for them. Logging in replaces it with a
fresh session.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine
from starlette.types import Scope

from colead.accounts import admins
from colead.config import Settings
from colead.errors import ConfigurationError
from colead.store import transaction
from colead.store.schema import utcnow

log = logging.getLogger("colead.web")

COOKIE_NAME = "colead_admin"
#: how long a session lasts at most, in seconds
MAX_AGE = int(admins.SESSION_LIFETIME.total_seconds())
#: a production secret must be at least this long
MIN_SECRET_LENGTH = 32
#: placeholders from examples and templates, never a real secret
PLACEHOLDER_SECRETS = frozenset(
    {"change-me", "changeme", "change_me", "secret", "secret-key", "dev", "development", "colead"}
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_SALT = "colead.admin.session"
#: where a request keeps its session once read, so that it is looked up once
_STATE_KEY = "colead_admin_session"


@dataclass(frozen=True)
class AdminSession:
    """One browser's session: ``email`` is None until an admin logs in."""

    email: str | None
    csrf: str
    #: the logged-in admin's id and the stored session's id (None when not logged in)
    admin_id: int | None = None
    record_id: int | None = None
    #: the plain session id, which only the cookie carries
    session_id: str | None = field(default=None, repr=False)

    @property
    def logged_in(self) -> bool:
        return self.email is not None

    @property
    def live(self) -> admins.LiveSession:
        """The stored session, for ``colead.accounts.admins``; only of a logged-in session."""
        if self.admin_id is None or self.record_id is None or self.email is None:
            raise ValueError("Not a logged-in session.")
        return admins.LiveSession(self.record_id, self.admin_id, self.email)


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
        """The session of the request's cookie, or None when it is missing, forged, old,
        or names a session that has ended. Looked up once per request."""
        known = getattr(request.state, _STATE_KEY, False)
        if known is not False:
            assert known is None or isinstance(known, AdminSession)
            return known
        session = self._read(request)
        setattr(request.state, _STATE_KEY, session)
        return session

    def carries_login(self, scope: Scope) -> bool:
        """Whether the request carries a cookie this app signed for a logged-in session.

        Only the signature and age are checked, not the database: cheap enough to ask
        before a request's body is read (:mod:`colead.web.bodies`), and enough to tell
        visitors who never logged in apart. Routes still check the session itself.
        """
        data = self._payload(Request(scope).cookies.get(COOKIE_NAME))
        return data is not None and isinstance(data.get("s"), str)

    def _payload(self, value: str | None) -> dict[str, Any] | None:
        """What a cookie this app signed says; None for a missing, forged or old one."""
        if not value or len(value) > 1000:
            return None
        try:
            data: Any = self._signer.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def _read(self, request: Request) -> AdminSession | None:
        data = self._payload(request.cookies.get(COOKIE_NAME))
        if data is None:
            return None
        session_id, csrf = data.get("s"), data.get("c")
        if not isinstance(csrf, str) or not csrf:
            return None
        if session_id is None:
            return AdminSession(None, csrf)
        if not isinstance(session_id, str):
            return None
        with transaction(_engine(request)) as db:
            live = admins.resume_session(db, session_id, now=utcnow())
        if live is None:
            return None
        return AdminSession(live.email, csrf, live.admin_id, live.id, session_id)

    def write(self, response: Response, session: AdminSession) -> None:
        data: dict[str, str] = {"c": session.csrf}
        if session.session_id is not None:
            data["s"] = session.session_id
        response.set_cookie(
            COOKIE_NAME,
            self._signer.dumps(data),
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


def new_session() -> AdminSession:
    """A visitor's session, not logged in, with a fresh CSRF token."""
    return AdminSession(None, secrets.token_urlsafe(32))


def start_session(request: Request, account: admins.AdminAccount) -> AdminSession:
    """A new stored session of the admin who has just logged in, with a fresh CSRF token."""
    agent = request.headers.get("user-agent")
    with transaction(_engine(request)) as db:
        plain, live = admins.start_session(db, account.id, user_agent=agent, now=utcnow())
    return AdminSession(live.email, secrets.token_urlsafe(32), live.admin_id, live.id, plain)


def end_session(request: Request, session: AdminSession) -> None:
    """Log out: the stored session ends for every worker."""
    if session.session_id is None:
        return
    with transaction(_engine(request)) as db:
        admins.end_session(db, session.session_id, now=utcnow())


def _engine(request: Request) -> Engine:
    engine = request.app.state.engine
    assert isinstance(engine, Engine)
    return engine


def csrf_matches(session: AdminSession | None, token: str | None) -> bool:
    """Whether a form's CSRF token is its session's (compared in constant time)."""
    if session is None or not token:
        return False
    return secrets.compare_digest(session.csrf.encode(), token.encode())
