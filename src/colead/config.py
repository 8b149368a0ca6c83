"""Typed settings, read from the environment (``COLEAD_*``) and passed in explicitly."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from email.utils import parseaddr
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from colead.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///colead.db"

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

DEFAULT_MAIL_FROM = "colead@localhost"

DEFAULT_DATA_DIR = "colead-data"

#: the password of a URL's user part (up to the last "@", so that an unescaped "@" in it
#: hides more, never less) and of a query parameter
_URL_PASSWORD = re.compile(r"(?P<head>[\w+]+://[^:/@]*:).*@")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|passwd|pass)=)[^&]*", re.IGNORECASE)

#: host names that reach only the machine itself
_LOCAL_HOSTS = frozenset({"localhost", "localhost.localdomain", "::1", "0.0.0.0", ""})

#: The anonymity minimum can be raised but never lowered below this.
ANONYMITY_FLOOR = 3

#: an address or network of reverse proxies whose forwarded headers are believed
ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    """colead settings.

    Every value can be set with an environment variable of the same name prefixed
    with ``COLEAD_`` (for example ``COLEAD_DATABASE_URL``) or passed to the constructor.
    """

    model_config = SettingsConfigDict(env_prefix="COLEAD_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: a SQLite file by default, or postgresql+psycopg://...",
    )
    anonymity_minimum: int = Field(
        default=ANONYMITY_FLOOR,
        description="Smallest rater group (other than self and line manager) shown on its own.",
    )
    framework_path: str | None = Field(
        default=None, description="Measurement framework YAML; the built-in default if unset."
    )
    public_url: str = Field(
        default=DEFAULT_PUBLIC_URL,
        description="Address at which raters reach the survey; invitation links start with it.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="Mail server that sends invitations.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the mail server.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        default="none",
        description="Encryption to the mail server: none, starttls (upgrade) or ssl (from the "
        "start, usually port 465).",
    )
    smtp_username: str | None = Field(
        default=None, description="Login name at the mail server; no login when unset."
    )
    smtp_password: str | None = Field(
        default=None,
        repr=False,
        description="Password at the mail server, used with smtp_username; set it in the "
        "environment (COLEAD_SMTP_PASSWORD), never on a command line.",
    )
    mail_from: str = Field(
        default=DEFAULT_MAIL_FROM, description="Sender address of invitations and reminders."
    )
    env: Literal["development", "production"] = Field(
        default="development",
        description="production refuses to start the web app without a real secret key.",
    )
    secret_key: str | None = Field(
        default=None,
        repr=False,
        description="Signs the admin console's session cookies; random per process when unset "
        "in development.",
    )
    reminders_every: int = Field(
        default=60,
        ge=0,
        description="Seconds between the web app's checks for due reminders; 0 turns it off.",
    )
    data_dir: str = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder of files uploaded in the admin console, one folder per review.",
    )
    upload_retention_days: int = Field(
        default=90,
        ge=0,
        description="Days the console's uploaded files are kept before `colead privacy purge` "
        "removes them; 0 keeps them until their wave is purged or a person erased.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed; none by default.",
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The database URL may carry a password; a repr goes to logs and tracebacks.
        for name, value in super().__repr_args__():
            yield name, shown_url(value) if name == "database_url" else value

    @field_validator("anonymity_minimum")
    @classmethod
    def _never_below_floor(cls, value: int) -> int:
        if value < ANONYMITY_FLOOR:
            raise ValueError(
                f"must be at least {ANONYMITY_FLOOR}; smaller groups would expose raters"
            )
        return value

    @field_validator("env", mode="before")
    @classmethod
    def _env_word(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _tls_word(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("smtp_host")
    @classmethod
    def _host_name(cls, value: str) -> str:
        value = value.strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError("must be a host name or address without spaces")
        return value

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str) -> str:
        value = value.strip()
        if "@" not in parseaddr(value)[1] or any(c in value for c in "\r\n"):
            raise ValueError(
                "must be an e-mail address, e.g. colead@example.org or "
                "'Leadership review <colead@example.org>'"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        # a network of one address is written as the address
        return ",".join(
            str(net.network_address if net.num_addresses == 1 else net)
            for net in proxy_networks(value)
        )

    def trusted_networks(self) -> tuple[ProxyNetwork, ...]:
        """The reverse proxies whose forwarded headers are believed."""
        return proxy_networks(self.trusted_proxies)

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
            or any(c.isspace() for c in value)
        ):
            raise ValueError(
                "must be an http:// or https:// address without ? or #, "
                "e.g. https://survey.example.org"
            )
        return value


def proxy_networks(text: str) -> tuple[ProxyNetwork, ...]:
    """The addresses and networks in ``text``, separated by commas; ValueError naming the
    first entry that is neither.

    A single address is a network of one; host names are refused, since a forwarded
    header is believed by the address it comes from, and "*" (anyone) is refused too:
    with it any client could choose the address its limits are counted against.
    """
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or network; give addresses or networks of "
                "your reverse proxies separated by commas, e.g. 127.0.0.1,10.0.0.0/8"
            ) from None
    return tuple(networks)


def shown_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and logs.

    Works on text, so that even a URL SQLAlchemy cannot parse (and reports as malformed)
    is printed without its password.
    """
    masked = _URL_PASSWORD.sub(r"\g<head>***@", str(url), count=1)
    return _QUERY_PASSWORD.sub(r"\g<head>***", masked)


def check_production(settings: Settings) -> None:
    """Refuse, in production, the defaults that only work on the machine colead runs on.

    Invitation links on a loopback ``public_url`` open nowhere else, and mail from a
    ``localhost`` sender is rejected or lost by the recipients' servers; both are silent
    failures a rater would meet first, so production refuses them up front. (The secret
    key is checked where it is used, by ``colead.web.admin.sessions.secret_key``.)

    Raises
    ------
    ConfigurationError
        When ``settings.env`` is production and one of those defaults is in use.
    """
    if settings.env != "production":
        return
    if _is_local(urlsplit(settings.public_url).hostname or ""):
        raise ConfigurationError(
            f"COLEAD_PUBLIC_URL is {settings.public_url}, an address only this machine can "
            "open, and COLEAD_ENV is production.",
            "Set COLEAD_PUBLIC_URL to the address raters use, e.g. https://survey.example.org.",
        )
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]
    if _is_local(domain):
        raise ConfigurationError(
            f"COLEAD_MAIL_FROM is {settings.mail_from}, a sender other mail servers refuse, "
            "and COLEAD_ENV is production.",
            "Set COLEAD_MAIL_FROM to an address of your organisation, e.g. "
            "'Leadership review <colead@example.org>'.",
        )


def _is_local(host: str) -> bool:
    host = host.strip().strip("[]").rstrip(".").lower()
    return host in _LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit values (e.g. CLI options) on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first.get("loc") else "setting"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigurationError(
            f"Setting {name} (COLEAD_{name.upper()}) is invalid: {message}",
            "Correct the environment variable or the option.",
        ) from None
