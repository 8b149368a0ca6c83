"""The wording of letters: packaged templates, a review's own wording, checks and rendering.

Each kind of letter (:data:`LETTER_KINDS`) has a packaged wording in
``colead/mail/templates``: ``<kind>.txt.j2`` (its first line may be ``Subject: ...``) and
``<kind>.html.j2``. A review may replace it with its own subject, plain-text body and,
optionally, HTML body (stored by :mod:`colead.store.mail`).

Wording written by admins is rendered in a *sandboxed* Jinja2 environment (no access to
Python internals) with ``StrictUndefined`` (a misspelt name is an error, never a blank),
and the HTML body is autoescaped, so a person's name cannot inject markup. Saving checks
the syntax and that only the documented variables are used.

Another kind of letter is added with :func:`register_letter_kind` (its variables, sample
values and default subject) plus its two packaged files in ``colead/mail/templates``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from colead.errors import InvalidData

PACKAGED_TEMPLATES = Path(__file__).parent / "templates"

#: the longest subject and bodies accepted, in characters
MAX_SUBJECT = 300
MAX_BODY = 50_000

_FORMS_SAMPLE = [
    {"ratee_name": "Ben Client", "relation": "manager", "url": "https://survey.example/s/SAMPLE1"},
    {"ratee_name": "Cy Supplier", "relation": "partner", "url": "https://survey.example/s/SAMPLE2"},
]
_RATER_VARIABLES = {
    "rater_name": "the rater's name",
    "review": "the review's name",
    "wave": "the wave's name",
    "forms": "the rater's forms, each with ratee_name, relation and url "
    "(use {% for form in forms %} ... {% endfor %})",
}
_RATER_SAMPLE: dict[str, Any] = {
    "rater_name": "Ana Client",
    "review": "Client Co – Supplier Ltd",
    "wave": "baseline",
    "forms": _FORMS_SAMPLE,
}


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter: the variables its wording may use, with sample values."""

    name: str
    #: variable name -> what it holds (shown to whoever edits the wording)
    variables: Mapping[str, str]
    #: values of every variable, for previews and for checking wording before it is saved
    sample: Mapping[str, Any]
    #: subject used when a packaged text file has no ``Subject:`` line
    default_subject: str


LETTER_KINDS: dict[str, LetterKind] = {
    "invitation": LetterKind(
        "invitation",
        _RATER_VARIABLES,
        _RATER_SAMPLE,
        "Your feedback for the {{ review }} leadership review",
    ),
    "reminder": LetterKind(
        "reminder",
        _RATER_VARIABLES,
        _RATER_SAMPLE,
        "Reminder: your feedback for the {{ review }} leadership review",
    ),
}


def register_letter_kind(kind: LetterKind) -> None:
    """Make another kind of letter known (its packaged files must exist)."""
    LETTER_KINDS[kind.name] = kind


def letter_kind(name: str) -> LetterKind:
    """The kind called ``name``; InvalidData when there is none."""
    found = LETTER_KINDS.get(name)
    if found is None:
        raise InvalidData(
            f"There is no kind of letter called {name!r}.",
            f"Choose one of {', '.join(sorted(LETTER_KINDS))}.",
        )
    return found


@dataclass(frozen=True)
class Wording:
    """Subject, plain-text body and optional HTML body of one kind of letter (Jinja2)."""

    subject: str
    text: str
    html: str | None
    #: where it comes from, for error messages: a file or "the review's <kind> wording"
    source: str = ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


_TEXT = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True)


def packaged_wording(kind: str, folder: Path | None = None) -> Wording:
    """The packaged wording of ``kind``; a file of the same name in ``folder`` wins."""
    spec = letter_kind(kind)
    text_path = _pick(f"{kind}.txt.j2", folder)
    html_path = _pick(f"{kind}.html.j2", folder)
    first, _, rest = _read(text_path).partition("\n")
    if first.lower().startswith("subject:"):
        subject, body = first[len("subject:") :].strip(), rest.lstrip("\n")
    else:
        subject, body = spec.default_subject, _read(text_path)
    return Wording(subject, body, _read(html_path), str(text_path.name))


def _pick(name: str, folder: Path | None) -> Path:
    if folder is not None and (folder / name).is_file():
        return folder / name
    return PACKAGED_TEMPLATES / name


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidData(
            f"Cannot read the mail template {path}: {exc}",
            "Give a readable UTF-8 text file.",
        ) from None


def check_wording(kind: str, wording: Wording) -> Wording:
    """``wording`` tidied (one-line subject, no empty HTML), or InvalidData naming the part,
    line and variable at fault and how to fix it."""
    spec = letter_kind(kind)
    subject = " ".join(wording.subject.split())
    html = wording.html if wording.html and wording.html.strip() else None
    text = wording.text.replace("\r\n", "\n")
    if not subject:
        raise InvalidData("The subject is empty.", "Write a subject line.")
    if not text.strip():
        raise InvalidData("The plain-text body is empty.", "Every letter needs a text body.")
    if len(subject) > MAX_SUBJECT or any(len(p) > MAX_BODY for p in (text, html or "")):
        raise InvalidData(
            "The wording is too long.",
            f"Keep the subject under {MAX_SUBJECT} and each body under {MAX_BODY} characters.",
        )
    parts = {"subject": (_TEXT, subject), "text body": (_TEXT, text)}
    if html is not None:
        parts["HTML body"] = (_HTML, html.replace("\r\n", "\n"))
    for part, (environment, source) in parts.items():
        _check_names(environment, part, source, spec)
    tidy = Wording(subject, text, parts["HTML body"][1] if html is not None else None)
    render_wording(kind, tidy, dict(spec.sample), source="your wording")
    return tidy


def _check_names(
    environment: SandboxedEnvironment, part: str, source: str, spec: LetterKind
) -> None:
    known = ", ".join(spec.variables)
    try:
        tree = environment.parse(source)
    except TemplateSyntaxError as exc:
        raise InvalidData(
            f"The {part} has a template error on line {exc.lineno}: {exc.message}",
            "Check that every {{ opens and closes with }}, and every {% for %} or {% if %} "
            "ends with {% endfor %} or {% endif %}.",
        ) from None
    unknown = sorted(meta.find_undeclared_variables(tree) - set(spec.variables))
    if unknown:
        name = unknown[0]
        line = min(
            (n.lineno for n in tree.find_all(nodes.Name) if n.name == name and n.ctx == "load"),
            default=1,
        )
        raise InvalidData(
            f"The {part} uses the unknown variable {name!r} on line {line}.",
            f"Use only {known}; correct or remove {{{{ {name} }}}}.",
        )


def render_wording(
    kind: str, wording: Wording, context: Mapping[str, Any], *, source: str = ""
) -> Rendered:
    """Subject, text and HTML (None when the wording has none) of one letter.

    Raises InvalidData when the wording cannot be rendered with ``context``.
    """
    variables = letter_kind(kind).variables
    where = source or wording.source or f"the {kind} wording"
    subject = _render(_TEXT, wording.subject, context, where, "subject", variables)
    text = _render(_TEXT, wording.text, context, where, "text body", variables)
    html_where = where.replace(".txt.j2", ".html.j2")
    html = (
        _render(_HTML, wording.html, context, html_where, "HTML body", variables)
        if wording.html is not None
        else None
    )
    return Rendered(" ".join(subject.split()), text, html)


def _render(
    environment: SandboxedEnvironment,
    source: str,
    context: Mapping[str, Any],
    where: str,
    part: str,
    variables: Mapping[str, str],
) -> str:
    try:
        return environment.from_string(source).render(dict(context))
    except TemplateError as exc:
        raise InvalidData(
            f"The mail template {where} cannot be used ({part}): {exc}",
            f"Correct the template; it can use {', '.join(variables)}. No message was sent.",
        ) from None
