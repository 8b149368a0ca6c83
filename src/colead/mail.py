"""E-mail: messages from editable templates, sent through one SMTP connection per batch.

The templates live in ``colead/mail_templates`` (``invitation.txt.j2``,
``invitation.html.j2``, ``reminder.txt.j2``, ``reminder.html.j2``); a folder given by the
user is searched first, so a file of the same name there replaces the built-in one. The
first line of a text template may be ``Subject: ...``; the rest is the body. The HTML
templates are rendered with auto-escaping, so names cannot inject markup.

Sending never stops at one recipient: a refused address is recorded and the batch goes
on. Only a server that cannot be reached (or refuses the login) stops the batch before
anything is sent, as :class:`~colead.errors.MailUnavailable`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)

from colead.config import Settings
from colead.errors import InvalidData, MailUnavailable

BUILT_IN_TEMPLATES = Path(__file__).parent / "mail_templates"

Kind = Literal["invitation", "reminder"]

#: seconds to wait for the mail server before giving up
TIMEOUT = 30.0

DEFAULT_SUBJECTS: dict[Kind, str] = {
    "invitation": "Your feedback for the {review} leadership review",
    "reminder": "Reminder: your feedback for the {review} leadership review",
}


@dataclass(frozen=True)
class MailServer:
    """Where and how to send: the SMTP part of the settings."""

    host: str
    port: int
    tls: Literal["none", "starttls", "ssl"]
    username: str | None
    password: str | None
    sender: str

    @classmethod
    def from_settings(cls, settings: Settings) -> MailServer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            sender=settings.mail_from,
        )

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Letter:
    """One message to one recipient; ``key`` ties the outcome back to the caller's data."""

    key: str
    recipient: str
    message: EmailMessage


@dataclass(frozen=True)
class Delivery:
    """The outcome of one message: ``sent``, or ``refused`` with the server's answer."""

    key: str
    recipient: str
    status: Literal["sent", "refused"]
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.status == "sent"


class MailTemplates:
    """The text and HTML templates of invitations and reminders."""

    def __init__(self, folder: Path | None = None) -> None:
        loaders: list[FileSystemLoader] = []
        if folder is not None:
            if not folder.is_dir():
                raise InvalidData(
                    f"Cannot use the mail templates in {folder}: it is not a folder.",
                    "Give a folder holding invitation.txt.j2, invitation.html.j2, "
                    "reminder.txt.j2 and/or reminder.html.j2.",
                )
            loaders.append(FileSystemLoader(folder))
        loaders.append(FileSystemLoader(BUILT_IN_TEMPLATES))
        common: dict[str, Any] = {
            "loader": ChoiceLoader(loaders),
            "undefined": StrictUndefined,
            "keep_trailing_newline": True,
        }
        self._text = Environment(autoescape=False, **common)
        self._html = Environment(autoescape=True, **common)
        self.folder = folder

    def render(self, kind: Kind, context: dict[str, Any]) -> tuple[str, str, str]:
        """``(subject, text body, html body)`` of one message."""
        text = self._render(self._text, f"{kind}.txt.j2", context)
        html = self._render(self._html, f"{kind}.html.j2", context)
        first, _, rest = text.partition("\n")
        if first.lower().startswith("subject:"):
            subject, text = first[len("subject:") :], rest.lstrip("\n")
        else:
            subject = DEFAULT_SUBJECTS[kind].format(review=context.get("review", ""))
        return " ".join(subject.split()), text, html

    def _render(self, environment: Environment, name: str, context: dict[str, Any]) -> str:
        try:
            return environment.get_template(name).render(context)
        except TemplateNotFound:  # pragma: no cover - the built-in files are package data
            raise InvalidData(f"The mail template {name} is missing.", None) from None
        except TemplateError as exc:
            where = f" in {self.folder}" if self.folder else ""
            raise InvalidData(
                f"The mail template {name}{where} cannot be used: {exc}",
                "Correct the template; it can use rater_name, review, wave and forms (each "
                "with ratee_name, relation and url). No message was sent.",
            ) from None


def build_message(
    server: MailServer,
    *,
    recipient: str,
    recipient_name: str,
    subject: str,
    text: str,
    html: str,
) -> EmailMessage:
    """A plain-text message with an HTML alternative.

    Raises ValueError when ``recipient`` is no usable e-mail address.
    """
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = server.sender
    message["To"] = _address(recipient_name, recipient)
    message["Date"] = formatdate(localtime=True)
    domain = server.envelope_sender.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _address(name: str, email: str) -> Address:
    try:
        address = Address(display_name=" ".join(name.split()), addr_spec=email.strip())
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise ValueError(f"{email!r} is not an e-mail address") from exc
    if not address.username or not address.domain:
        raise ValueError(f"{email!r} is not an e-mail address")
    return address


@contextmanager
def connect(server: MailServer) -> Iterator[smtplib.SMTP]:
    """An open, greeted (and, when configured, encrypted and logged-in) SMTP connection."""
    try:
        if server.tls == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        try:
            connection.ehlo()
            if server.tls == "starttls":
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if server.username:
                connection.login(server.username, server.password or "")
        except BaseException:
            connection.close()
            raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailUnavailable(
            f"The mail server {server.where} refused the login of {server.username!r}: "
            f"{_answer(exc)}. No message was sent.",
            "Check COLEAD_SMTP_USERNAME and COLEAD_SMTP_PASSWORD.",
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailUnavailable(
            f"Cannot reach the mail server {server.where}: {_reason(exc)}. No message was sent.",
            "Check COLEAD_SMTP_HOST, COLEAD_SMTP_PORT and COLEAD_SMTP_TLS (none, starttls or "
            "ssl), and that the server is running and accepts connections from here.",
        ) from None
    try:
        yield connection
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def send_letters(server: MailServer, letters: Sequence[Letter]) -> list[Delivery]:
    """Send every letter over one connection; one outcome per letter, in order.

    A refused recipient (or message) is recorded and the rest still go. When the server
    drops the connection part-way, the letters not yet sent are recorded as refused.
    """
    if not letters:
        return []
    outcomes: list[Delivery] = []
    with connect(server) as connection:
        lost: str | None = None
        for letter in letters:
            if lost is not None:
                outcomes.append(Delivery(letter.key, letter.recipient, "refused", lost))
                continue
            try:
                refused = connection.send_message(
                    letter.message,
                    from_addr=server.envelope_sender,
                    to_addrs=[letter.recipient],
                )
            except smtplib.SMTPRecipientsRefused as exc:
                answers = [_code_text(code, text) for code, text in exc.recipients.values()]
                error = "; ".join(answers) or "recipient refused"
                outcomes.append(Delivery(letter.key, letter.recipient, "refused", error))
            except smtplib.SMTPServerDisconnected as exc:
                lost = f"connection lost: {_reason(exc)}"
                outcomes.append(Delivery(letter.key, letter.recipient, "refused", lost))
            except (smtplib.SMTPResponseException, smtplib.SMTPNotSupportedError) as exc:
                outcomes.append(Delivery(letter.key, letter.recipient, "refused", _answer(exc)))
            except OSError as exc:
                lost = f"connection lost: {_reason(exc)}"
                outcomes.append(Delivery(letter.key, letter.recipient, "refused", lost))
            else:
                if refused:
                    error = "; ".join(_code_text(code, text) for code, text in refused.values())
                    outcomes.append(Delivery(letter.key, letter.recipient, "refused", error))
                else:
                    outcomes.append(Delivery(letter.key, letter.recipient, "sent"))
    return outcomes


def _code_text(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()


def _answer(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _code_text(exc.smtp_code, exc.smtp_error)
    return _reason(exc)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
