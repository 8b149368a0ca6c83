"""E-mail: messages from editable templates, sent through one SMTP connection per batch.

The templates live in ``colead/mail/templates`` (``invitation.txt.j2``,
``invitation.html.j2``, ``reminder.txt.j2``, ``reminder.html.j2``); a folder given by the
user is searched first, so a file of the same name there replaces the built-in one, and
a review's own wording (edited in the console) replaces both. The first line of a text
template may be ``Subject: ...``; the rest is the body. The HTML templates are rendered
with auto-escaping, so names cannot inject markup (see :mod:`colead.mail.wording`).

To send another kind of letter (e.g. ``participant``): register it with
:func:`colead.mail.wording.register_letter_kind`, add ``<kind>.txt.j2`` and
``<kind>.html.j2`` to ``colead/mail/templates``, render with :class:`MailTemplates`,
build each message with :func:`build_message` and send them with :func:`send_letters`;
record each :class:`Delivery` with :func:`colead.store.mail.record_mail_events`.

Sending never stops at one recipient: a refused address is recorded and the batch goes
on. Only a server that cannot be reached (or refuses the login) stops the batch before
anything is sent, as :class:`~colead.errors.MailUnavailable`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal

from colead.config import Settings, check_production
from colead.errors import InvalidData, MailUnavailable
from colead.mail.wording import Wording, packaged_wording, render_wording

Kind = Literal["invitation", "reminder"]

#: seconds to wait for the mail server before giving up
TIMEOUT = 30.0


@dataclass(frozen=True)
class MailServer:
    """Where and how to send: the SMTP part of the settings."""

    host: str
    port: int
    tls: Literal["none", "starttls", "ssl"]
    username: str | None
    #: never in a repr, so that no log line or error message can carry it
    password: str | None = field(repr=False)
    sender: str

    @classmethod
    def from_settings(cls, settings: Settings) -> MailServer:
        """The mail part of ``settings``; in production, refuses a loopback link address
        or a ``localhost`` sender (see :func:`colead.config.check_production`)."""
        check_production(settings)
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
    #: the Message-ID header the letter carried, to match bounces to it later
    message_id: str | None = None

    @property
    def sent(self) -> bool:
        return self.status == "sent"


class MailTemplates:
    """The wording of each kind of letter: a review's own, else a folder's files, else the
    packaged templates (see :mod:`colead.mail.wording`)."""

    def __init__(
        self, folder: Path | None = None, overrides: Mapping[str, Wording] | None = None
    ) -> None:
        if folder is not None and not folder.is_dir():
            raise InvalidData(
                f"Cannot use the mail templates in {folder}: it is not a folder.",
                "Give a folder holding invitation.txt.j2, invitation.html.j2, "
                "reminder.txt.j2 and/or reminder.html.j2.",
            )
        self.folder = folder
        self.overrides = dict(overrides or {})

    def wording(self, kind: str) -> Wording:
        """The wording used for ``kind``."""
        if kind in self.overrides:
            return self.overrides[kind]
        return packaged_wording(kind, self.folder)

    def render(self, kind: str, context: dict[str, Any]) -> tuple[str, str, str | None]:
        """``(subject, text body, html body)`` of one message; no HTML body when a review's
        own wording has none."""
        rendered = render_wording(kind, self.wording(kind), context)
        return rendered.subject, rendered.text, rendered.html


def build_message(
    server: MailServer,
    *,
    recipient: str,
    recipient_name: str,
    subject: str,
    text: str,
    html: str | None,
) -> EmailMessage:
    """A plain-text message, with an HTML alternative when ``html`` is given.

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
    if html is not None:
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
    return [
        replace(outcome, message_id=str(letter.message["Message-ID"] or "") or None)
        for outcome, letter in zip(outcomes, letters, strict=True)
    ]


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
