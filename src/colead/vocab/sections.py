"""Headings: where a document's sections begin and what they are called.

Markdown headings (``#`` … ``######``), HTML ``h1``–``h6`` and DOCX heading styles say so
themselves; plain text and PDF text have only their line shapes, so a short line that starts
with a clause number ("5.1 Leadership", "4 Context of the organization") and does not end
like a sentence counts as a heading.
"""

from __future__ import annotations

import re

#: text before the first heading
NO_SECTION = "(before the first heading)"

_MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_CLAUSE_HEADING = re.compile(
    r"^\s*((?:\d{1,2}(?:\.\d{1,2}){0,4})|(?:[A-Z]\.\d{1,2}(?:\.\d{1,2}){0,3}))\.?\s+"
    r"([A-Z][^\n]{0,100})$"
)
#: a clause heading has at most this many words after its number
_MAX_HEADING_WORDS = 12


def markdown_heading(line: str) -> str | None:
    """The heading text of a Markdown ``#`` line, or None."""
    match = _MARKDOWN_HEADING.match(line)
    return match.group(2).strip() if match else None


def clause_heading(line: str) -> str | None:
    """``"5.1 Leadership"`` for a numbered clause line of plain or PDF text, or None.

    The title must start with a capital, be short, and not end with a full stop, comma or
    colon (a numbered list item that is a sentence is not a heading).
    """
    match = _CLAUSE_HEADING.match(line)
    if not match:
        return None
    title = match.group(2).strip()
    if len(title.split()) > _MAX_HEADING_WORDS or title[-1] in ".,;:":
        return None
    if not any(ch.isalpha() for ch in title):
        return None
    return f"{match.group(1)} {title}"
