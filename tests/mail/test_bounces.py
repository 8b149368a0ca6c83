"""Bounces: delivery status notifications from mbox, Maildir and .eml files, matched to
the letters sent, and their effect on reminders."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage, Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import update

from colead.errors import InvalidData
from colead.mail.bounces import failed_recipients, is_delivery_report, read_mail_file
from colead.store import make_engine, transaction
from colead.store.schema import Person
from mail import test_smtp as test_mail
from mail.test_mail_events import mail_events
from mail.test_smtp import REVIEW, SEND, Collector, invoke

# the fixtures of test_mail, shared
review_db = test_mail.review_db
smtp = test_mail.smtp

Original = Literal["message", "headers", "in-reply-to", "none"]


def delivery_report(
    recipient: str,
    original: EmailMessage | None,
    *,
    status: str = "5.1.1",
    action: str = "failed",
    how: Original = "message",
) -> Message:
    """A report as a mail server sends it: a human part, the machine-readable status and
    (as chosen) the original message or its headers."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.client.test>"
    report["To"] = "review@colead.test"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    if how == "in-reply-to" and original is not None:
        report["In-Reply-To"] = original["Message-ID"]
    report.attach(MIMEText(f"Your message to {recipient} could not be delivered.\n"))
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.client.test"
    per_message["Arrival-Date"] = "Mon, 30 Nov 2026 09:00:00 +0000"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = f"smtp; {status[0]}50 {status} mailbox unavailable"
    machine = Message()
    machine["Content-Type"] = "message/delivery-status"
    machine.set_payload([per_message, per_recipient])
    report.attach(machine)
    if original is not None and how == "message":
        report.attach(MIMEMessage(original))
    elif original is not None and how == "headers":
        headers = "".join(f"{k}: {v}\n" for k, v in original.items())
        report.attach(MIMEText(headers, "rfc822-headers"))
    return report


def plain_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "someone@client.test"
    message["Subject"] = "Out of office"
    message.set_content("I am away until Monday.")
    return message


def write_mbox(path: Path, messages: list[Message]) -> Path:
    box = mailbox.mbox(path)
    for message in messages:
        box.add(message)
    box.flush()
    box.close()
    return path


def test_a_report_built_with_the_email_package_is_read_back(tmp_path: Path) -> None:
    original = plain_message()
    original["Message-ID"] = "<abc@colead.test>"
    for how in ("message", "headers", "in-reply-to"):
        report = delivery_report("ana@client.test", original, how=how)  # type: ignore[arg-type]
        parsed = next(read_mail_file(_eml(tmp_path, report)))
        assert is_delivery_report(parsed)
        (failed,) = failed_recipients(parsed)
        assert (failed.email, failed.status, failed.action) == (
            "ana@client.test",
            "5.1.1",
            "failed",
        )
        assert failed.message_id == "<abc@colead.test>", how
        assert failed.permanent and failed.diagnostic == "smtp; 550 5.1.1 mailbox unavailable"
    soft = next(read_mail_file(_eml(tmp_path, delivery_report("b@c.test", None, status="4.2.2"))))
    (delayed,) = failed_recipients(soft)
    assert not delayed.permanent and delayed.message_id is None
    assert not is_delivery_report(next(read_mail_file(_eml(tmp_path, plain_message()))))


def _eml(folder: Path, message: Message) -> Path:
    path = folder / f"report-{len(list(folder.glob('*.eml')))}.eml"
    path.write_bytes(message.as_bytes())
    return path


def test_unreadable_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidData, match="Cannot read"):
        list(read_mail_file(tmp_path / "missing.mbox"))
    with pytest.raises(InvalidData, match="Maildir folder"):
        list(read_mail_file(tmp_path))


@pytest.mark.integration
def test_bounces_are_matched_recorded_and_keep_reminders_away(
    review_db: str, smtp: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp
    assert invoke(port, *SEND, "--db", review_db).exit_code == 0
    letters = handler.messages()
    ana, ben = letters["ana@client.test"], letters["ben@client.test"]
    reports = [
        delivery_report("ana@client.test", ana, how="message"),
        delivery_report("Cy@Supplier.test", None, how="none"),  # matched by address
        delivery_report("ben@client.test", ben, status="4.2.2", action="delayed"),
        plain_message(),
        delivery_report("nobody@elsewhere.test", None, how="none"),
    ]
    mbox = write_mbox(tmp_path / "bounces.mbox", reports)
    result = invoke(port, "mail", "bounces", str(mbox), "--db", review_db)
    assert result.exit_code == 0, result.output
    assert "Read 5 message(s): 4 delivery report(s), 1 other message(s) skipped." in result.output
    assert (
        "Recorded 2 bounce(s); 0 already recorded, 1 temporary failure(s) not recorded, "
        "1 without a matching letter." in result.output
    )
    assert "Correct the e-mail in the people file" in result.output
    bounced = [e for e in mail_events(review_db) if e["status"] == "bounced"]
    assert {(e["person"], e["email"], e["kind"]) for e in bounced} == {
        ("C1", "ana@client.test", "invitation"), ("S1", "cy@supplier.test", "invitation")
    }  # fmt: skip
    (ana_bounce,) = [e for e in bounced if e["person"] == "C1"]
    assert ana_bounce["message_id"] == ana["Message-ID"]
    assert "5.1.1" in str(ana_bounce["detail"])

    # the same file again (here as a Maildir) records nothing twice
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for report in reports:
        maildir.add(report)
    again = invoke(port, "mail", "bounces", str(tmp_path / "Maildir"), "--db", review_db)
    assert "Recorded 0 bounce(s); 2 already recorded" in again.output

    handler.envelopes.clear()
    reminded = invoke(port, "invitations", "remind", "--review", REVIEW, "--db", review_db)
    assert reminded.exit_code == 0, reminded.output
    assert "Skipped 2 rater(s) whose e-mail address bounced:" in reminded.output
    assert "Ana Client <ana@client.test>" in reminded.output
    assert sorted(handler.messages()) == ["ben@client.test", "x1@client.test"]

    # a corrected address gets reminders again
    engine = make_engine(review_db)
    try:
        with transaction(engine) as session:
            session.execute(
                update(Person).where(Person.external_id == "C1").values(email="ana@new.test")
            )
    finally:
        engine.dispose()
    handler.envelopes.clear()
    reminded = invoke(port, "invitations", "remind", "--review", REVIEW, "--db", review_db)
    assert "Skipped 1 rater(s) whose e-mail address bounced:" in reminded.output
    assert "ana@new.test" in handler.messages()
