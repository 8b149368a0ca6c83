"""A review's own wording: checks before saving, sandboxed rendering, escaping, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from colead.errors import InvalidData
from colead.mail.wording import Wording, check_wording, packaged_wording, render_wording
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry
from colead.store.schema_console import MailTemplate
from mail import test_smtp as test_mail
from mail.test_smtp import REVIEW, Collector, _parts, invoke

# the fixtures of test_mail, shared
review_db = test_mail.review_db
smtp = test_mail.smtp

SAMPLE = {
    "rater_name": "<b>Ana</b>",
    "review": "R",
    "wave": "w",
    "forms": [{"ratee_name": "Ben", "relation": "peer", "url": "https://x.test/s/T"}],
}


def test_the_packaged_wording_has_a_subject_text_and_html() -> None:
    wording = packaged_wording("reminder")
    assert wording.subject == "Reminder: your feedback for the {{ review }} leadership review"
    assert wording.text.startswith("Dear {{ rater_name }},")
    assert wording.html is not None and "<!doctype html>" in wording.html
    rendered = render_wording("reminder", wording, SAMPLE)
    assert rendered.subject == "Reminder: your feedback for the R leadership review"
    assert "- Ben (peer):\n  https://x.test/s/T" in rendered.text
    assert rendered.html is not None and "Dear &lt;b&gt;Ana&lt;/b&gt;," in rendered.html


def test_an_unknown_variable_is_named_with_its_line_and_the_fix() -> None:
    wording = Wording("Hi {{ rater_name }}", "Line one\nLine two {{ ratee }}\n", None)
    with pytest.raises(InvalidData) as caught:
        check_wording("invitation", wording)
    assert caught.value.message == "The text body uses the unknown variable 'ratee' on line 2."
    assert "rater_name, review, wave, forms" in (caught.value.hint or "")
    assert "{{ ratee }}" in (caught.value.hint or "")


def test_a_syntax_error_names_the_part_and_line() -> None:
    wording = Wording("Hi", "ok\n{% for form in forms %}\n{{ form.url }}\n", "<p>{{ wave </p>")
    with pytest.raises(InvalidData, match=r"text body has a template error on line"):
        check_wording("invitation", wording)
    fixed = Wording("Hi", "{% for f in forms %}{{ f.url }}{% endfor %}", "<p>{{ wave </p>")
    with pytest.raises(InvalidData, match=r"HTML body has a template error on line 1"):
        check_wording("invitation", fixed)


def test_an_unknown_attribute_of_a_form_is_refused_before_saving() -> None:
    wording = Wording("Hi", "{% for form in forms %}{{ form.email }}{% endfor %}", None)
    with pytest.raises(InvalidData, match="email"):
        check_wording("invitation", wording)


def test_the_sandbox_refuses_python_internals() -> None:
    wording = Wording("Hi", "{{ rater_name.__class__.__mro__ }}", None)
    with pytest.raises(InvalidData, match="cannot be used"):
        check_wording("invitation", wording)


def test_check_wording_tidies_the_subject_and_drops_an_empty_html_body() -> None:
    tidy = check_wording("reminder", Wording("  Please\n  answer {{ wave }} ", "Body\r\n", "  "))
    assert tidy == Wording("Please answer {{ wave }}", "Body\n", None)
    with pytest.raises(InvalidData, match="subject is empty"):
        check_wording("reminder", Wording(" ", "Body", None))
    with pytest.raises(InvalidData, match="no kind of letter"):
        check_wording("letter", Wording("s", "Body", None))


def _stored(url: str) -> list[tuple[str, str, str | None]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = session.scalars(select(MailTemplate).order_by(MailTemplate.kind))
            return [(r.kind, r.subject, r.body_html) for r in rows]
    finally:
        engine.dispose()


def _actions(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    finally:
        engine.dispose()


@pytest.mark.integration
def test_the_cli_sets_shows_and_resets_a_review_wording_used_by_sends(
    review_db: str, smtp: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp
    body = tmp_path / "body.txt"
    body.write_text(
        "Hello {{ rater_name }},\n{% for form in forms %}{{ form.url }}\n{% endfor %}",
        encoding="utf-8",
    )
    where = ("--review", REVIEW, "--kind", "invitation", "--db", review_db)
    bad = tmp_path / "bad.txt"
    bad.write_text("Hello {{ name }}", encoding="utf-8")
    refused = invoke(port, "mail", "template", "set", *where, "--text", str(bad))
    assert isinstance(refused.exception, InvalidData)
    assert "'name' on line 1" in refused.exception.message
    assert _stored(review_db) == []

    result = invoke(port, "mail", "template", "set", *where, "--subject", "Rate {{ wave }}",
                    "--text", str(body))  # fmt: skip
    assert result.exit_code == 0, result.output
    # the HTML body is kept from the packaged wording in use before
    ((kind, subject, html),) = _stored(review_db)
    assert (kind, subject) == ("invitation", "Rate {{ wave }}") and html and "<ul>" in html
    shown = invoke(port, "mail", "template", "show", *where)
    assert "uses the review's own (changed by cli)" in shown.output
    assert "Subject: Rate baseline" in shown.output and "Hello Ana Client," in shown.output

    sent = invoke(port, "invitations", "send", "--review", REVIEW, "--db", review_db)
    assert sent.exit_code == 0, sent.output
    ana = handler.messages()["ana@client.test"]
    assert ana["Subject"] == "Rate baseline"
    text, html_part = _parts(ana)
    assert text.startswith("Hello Ana Client,\nhttp://127.0.0.1:8000/s/")
    assert "Ben Client" in html_part

    assert invoke(port, "mail", "template", "reset", *where).exit_code == 0
    assert _stored(review_db) == []
    again = invoke(port, "mail", "template", "reset", *where)
    assert "already uses the packaged wording" in again.output
    # the programme's letters are reworded the same way
    reaction = invoke(port, "mail", "template", "show", "--review", REVIEW, "--kind",
                      "reaction", "--db", review_db)  # fmt: skip
    assert reaction.exit_code == 0, reaction.output
    assert "Variables:" in reaction.output and "programme" in reaction.output
    actions = _actions(review_db)
    assert actions.count("set_mail_template") == 1 and actions.count("reset_mail_template") == 1
