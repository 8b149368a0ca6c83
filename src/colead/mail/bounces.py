"""Bounces: delivery status notifications (RFC 3464) matched to the letters they report.

A mail server that cannot deliver a letter after accepting it sends a
``multipart/report; report-type=delivery-status`` message back to the sender. Those are
read from an mbox file, a Maildir folder or a single ``.eml`` file. Each recipient whose
delivery *failed permanently* (``Action: failed`` with a ``5.x.x`` status) is matched to
the letter it reports, by its Message-ID (``Original-Message-ID``, ``In-Reply-To`` or the
returned original headers) or else by address, and recorded as a ``bounced`` mail event.
Temporary failures (``4.x.x`` or ``Action: delayed``) are reported, never recorded: the
server is still trying. An address that bounced gets no more reminders until the
person's e-mail changes.
"""

from __future__ import annotations

import email
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.errors import InvalidData
from colead.store import transaction
from colead.store.mail import NewMailEvent, bounce_recorded, record_mail_events, sent_event_for
from colead.store.reviews import audit, get_review
from colead.store.schema import utcnow

#: the fix shown next to a bounced address
FIX = "Correct the e-mail in the people file and upload it again."


@dataclass(frozen=True)
class FailedRecipient:
    """One recipient line of a delivery status notification."""

    email: str
    action: str
    status: str
    diagnostic: str
    message_id: str | None

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")


@dataclass(frozen=True)
class BounceFinding:
    recipient: FailedRecipient
    #: ``recorded``, ``already recorded``, ``no matching letter`` or ``temporary``
    result: str
    person_name: str | None = None


@dataclass
class BounceReport:
    messages: int = 0
    #: messages that are not delivery status notifications
    not_reports: int = 0
    findings: list[BounceFinding] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(f.result == result for f in self.findings)


def read_mail_file(path: Path) -> Iterator[Message]:
    """The messages of an mbox file, a Maildir folder or one ``.eml`` file.

    InvalidData when ``path`` cannot be read as any of them.
    """
    unreadable = InvalidData(
        f"Cannot read {path} as e-mail.",
        "Give an mbox file, a Maildir folder (with cur/ and new/) or a single .eml message.",
    )
    try:
        if path.is_dir():
            if not ((path / "cur").is_dir() or (path / "new").is_dir()):
                raise unreadable
            box: mailbox.Mailbox[mailbox.Message] = mailbox.Maildir(path, create=False)
        else:
            with path.open("rb") as handle:
                start = handle.read(5)
            if start != b"From ":
                yield email.message_from_bytes(path.read_bytes(), policy=default_policy)
                return
            box = mailbox.mbox(path, create=False)
        for key in box.iterkeys():
            yield email.message_from_bytes(box.get_bytes(key), policy=default_policy)
    except (OSError, mailbox.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidData(f"Cannot read {path}: {reason}", unreadable.hint) from None


def is_delivery_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "")).lower() == "delivery-status"
    )


def failed_recipients(message: Message) -> list[FailedRecipient]:
    """The recipients a delivery status notification reports as not delivered (failed
    or delayed); delivered, relayed and expanded ones are left out."""
    message_id = _original_message_id(message)
    found: list[FailedRecipient] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if not isinstance(payload, list):
            continue
        blocks = [block for block in payload if isinstance(block, Message)]
        per_message = blocks[0] if blocks else None
        own_id = _clean_id(per_message.get("Original-Message-ID")) if per_message else None
        for block in blocks[1:]:
            action = str(block.get("Action", "")).strip().lower()
            if action not in ("failed", "delayed"):
                continue
            address = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
            if not address:
                continue
            found.append(
                FailedRecipient(
                    email=address,
                    action=action,
                    status=str(block.get("Status", "")).strip(),
                    diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split()),
                    message_id=own_id or message_id,
                )
            )
    return found


def _address(value: object) -> str:
    text = str(value or "").strip()
    kind, _, address = text.partition(";")
    return (address if address else kind).strip().strip("<>").strip()


def _clean_id(value: object) -> str | None:
    text = str(value or "").strip()
    return text or None


def _original_message_id(message: Message) -> str | None:
    for name in ("Original-Message-ID", "In-Reply-To"):
        found = _clean_id(message.get(name))
        if found:
            return found
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            original = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(original, Message) and original.get("Message-ID"):
                return _clean_id(original.get("Message-ID"))
        elif kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            headers = email.message_from_string(text, policy=default_policy)
            if headers.get("Message-ID"):
                return _clean_id(headers.get("Message-ID"))
    return None


def import_bounces(
    engine: Engine, path: Path, *, actor: str, review: str | None = None
) -> BounceReport:
    """Read the notifications in ``path`` and record each permanent failure as a bounce.

    With ``review`` only letters of that review are matched (the console's upload).
    Unreadable files are InvalidData; messages that are not reports are counted.
    """
    report = BounceReport()
    recipients: list[FailedRecipient] = []
    for message in read_mail_file(path):
        report.messages += 1
        if not is_delivery_report(message):
            report.not_reports += 1
            continue
        recipients.extend(failed_recipients(message))
    with transaction(engine) as session:
        review_id = get_review(session, review).id if review is not None else None
        report.findings = record_bounces(session, recipients, actor=actor, review_id=review_id)
    return report


def record_bounces(
    session: Session,
    recipients: list[FailedRecipient],
    *,
    actor: str,
    review_id: int | None = None,
) -> list[BounceFinding]:
    """Record the permanent failures among ``recipients``; one finding each."""
    findings: list[BounceFinding] = []
    events: list[NewMailEvent] = []
    per_review: dict[int, list[str]] = {}
    seen: set[tuple[str, str | None]] = set()
    for recipient in recipients:
        if not recipient.permanent:
            findings.append(BounceFinding(recipient, "temporary"))
            continue
        letter = sent_event_for(session, recipient.message_id, recipient.email, review_id)
        if letter is None:
            findings.append(BounceFinding(recipient, "no matching letter"))
            continue
        key = (letter.email.lower(), letter.message_id)
        if key in seen or bounce_recorded(session, letter.email, letter.message_id):
            findings.append(BounceFinding(recipient, "already recorded", letter.person_name))
            continue
        seen.add(key)
        detail = " ".join(p for p in (recipient.status, recipient.diagnostic) if p)
        events.append(
            NewMailEvent(
                review_id=letter.review_id,
                wave_id=letter.wave_id,
                person_id=letter.person_id,
                email=letter.email,
                kind=letter.kind,
                status="bounced",
                detail=detail or "bounced",
                message_id=letter.message_id,
            )
        )
        per_review.setdefault(letter.review_id, []).append(letter.email)
        findings.append(BounceFinding(recipient, "recorded", letter.person_name))
    record_mail_events(session, events, utcnow())
    for bounced_review, addresses in per_review.items():
        audit(
            session,
            actor,
            "record_bounces",
            "review",
            bounced_review,
            review_id=bounced_review,
            count=len(addresses),
            emails=addresses,
        )
    return findings
