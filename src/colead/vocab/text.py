"""Text to sentences and tokens, the way the analyser reads them.

Words are runs of letters with inner apostrophes (``leader's``); curly apostrophes count as
straight ones, and a possessive ``'s`` or a closing apostrophe (``leaders'``) is not part of
the form. Hyphens separate words, so ``consultant-led`` holds ``led`` (and the tagger knows
it followed a hyphen). A word broken by a hyphen at a line end (``lead-`` / ``ership``) is
joined when the joined word is a counted form; otherwise the hyphen stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|[^\w\s]")
#: the lookbehind makes each word be tried once, not from each of its letters
_LINE_BREAK_HYPHEN = re.compile(r"(?<![^\W\d_])([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
#: a sentence ends at . ! ? (and closing quotes or brackets) before a capital, digit or
#: opening quote; lower-case next words keep "e.g. the" inside one sentence
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•])")


class Token(NamedTuple):
    """A word or a punctuation mark: its text, lower-case key and place in the text.

    A named tuple, not a dataclass: a long document makes tens of thousands of them.
    """

    raw: str
    key: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.raw[0].isalpha()


def form_key(word: str) -> str:
    """The lower-case form of a word as the families list it (possessive removed)."""
    key = word.lower().replace("’", "'")
    return key[:-2] if key.endswith("'s") else key


def join_broken_words(text: str, forms: frozenset[str] | set[str]) -> str:
    """Join words split by a hyphen at a line end when the whole word is a counted form.

    The line break moves after the joined word, so line numbers stay right.
    """

    def join(match: re.Match[str]) -> str:
        whole = match.group(1) + match.group(2)
        if form_key(whole) in forms:
            return whole + "\n"
        return match.group(0)

    return _LINE_BREAK_HYPHEN.sub(join, text) if "\n" in text and "-" in text else text


def tokens(text: str, offset: int = 0) -> list[Token]:
    """Every word and punctuation mark of ``text`` in order; ``offset`` is added to the
    positions (for a piece cut from a longer text)."""
    found = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        key = raw.lower()
        if "'" in key or "’" in key:
            key = form_key(raw)
        found.append(Token(raw, key, m.start() + offset, m.end() + offset))
    return found


def count_words(text: str) -> int:
    """Words of ``text``: runs of letters (numbers and marks are not words)."""
    return len(_WORD.findall(text))


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each sentence of a block of text (blank lines end one too)."""
    start = 0
    for paragraph in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text):
        start = paragraph.start()
        for end_match in _SENTENCE_END.finditer(paragraph.group()):
            end = paragraph.start() + end_match.start()
            yield start, end
            start = paragraph.start() + end_match.end()
        yield start, paragraph.end()
