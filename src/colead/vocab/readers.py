"""Documents to text: TXT, Markdown, HTML, PDF (text layer) and DOCX.

Each reader turns a file's bytes into :class:`Block` s, runs of text with the section they
belong to and where they start (a line, a page, or a DOCX paragraph number), so counts can
be given per section and every concordance line can say where it was found. A file that
cannot be read raises :class:`DocumentUnreadable` with a message about that file only; the
caller goes on with the others.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from charset_normalizer import from_bytes

from colead.errors import InvalidData
from colead.vocab.sections import NO_SECTION, clause_heading, markdown_heading

KINDS = ("text", "markdown", "html", "pdf", "docx")
_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
_UNSUPPORTED = {
    ".doc": "old Word .doc files are not supported; save it as .docx",
    ".rtf": "RTF files are not supported; save it as .docx or plain text",
    ".odt": "OpenDocument files are not supported; save it as .docx",
    ".pages": "Pages files are not supported; export it as .docx or PDF",
}
_BULLET = re.compile(r"^\s*(?:[-*•–·▪]|\d{1,3}[.)]|[a-z][.)])\s+")


class DocumentUnreadable(InvalidData):
    """One document cannot be read; the message names the file and what to do."""

    code = "document_unreadable"


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph of text in a section; ``line`` or ``page`` says where it starts."""

    text: str
    section: str
    line: int | None = None
    page: int | None = None

    def line_at(self, offset: int) -> int | None:
        """The line (or DOCX paragraph) of a character offset within this block."""
        if self.line is None:
            return None
        return self.line + self.text.count("\n", 0, offset)


@dataclass(frozen=True)
class Document:
    """A read document: its name, kind and blocks of text."""

    name: str
    kind: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def document_kind(name: str, data: bytes) -> str:
    """The kind of document from its name, or from its first bytes when the name does not
    say; DocumentUnreadable for formats that are known but not supported."""
    suffix = PurePath(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix in _UNSUPPORTED:
        raise DocumentUnreadable(
            f"{name}: {_UNSUPPORTED[suffix]}.", "Convert the file and analyse it again."
        )
    head = data[:512].lstrip().lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def read_document(name: str, data: bytes, forms: frozenset[str] = frozenset()) -> Document:
    """Read one document from its bytes; ``forms`` lets words broken across lines be joined.

    Raises
    ------
    DocumentUnreadable
        when the file is empty, corrupt, encrypted, or has no text layer.
    """
    if not data.strip():
        raise DocumentUnreadable(f"{name}: the file is empty.", "Choose a file with text in it.")
    kind = document_kind(name, data)
    if kind == "pdf":
        blocks = list(_pdf_blocks(name, data, forms))
    elif kind == "docx":
        blocks = list(_docx_blocks(name, data))
    else:
        text = _decode(name, data)
        if kind == "html":
            blocks = list(_html_blocks(name, text))
        else:
            blocks = list(_line_blocks(text, markdown=kind == "markdown", forms=forms))
    return Document(name, kind, tuple(blocks))


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise DocumentUnreadable(
            f"{name}: this is not a text file (it holds binary data).",
            "Give a TXT, Markdown, HTML, PDF or DOCX file.",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise DocumentUnreadable(
                f"{name}: the text encoding cannot be recognised.", "Save the file as UTF-8 text."
            ) from None
        return str(best)


def _join_broken(text: str, forms: frozenset[str]) -> str:
    from colead.vocab.text import join_broken_words

    return join_broken_words(text, forms) if forms else text


def _line_blocks(
    text: str,
    *,
    markdown: bool,
    forms: frozenset[str],
    page: int | None = None,
    section: str = NO_SECTION,
) -> Iterator[Block]:
    """Blocks of plain text, Markdown or one PDF page: paragraphs split at blank lines,
    headings and list items; the heading lines themselves are blocks of their section."""
    lines = _join_broken(text.replace("\r\n", "\n").replace("\r", "\n"), forms).split("\n")
    current: list[str] = []
    start = 1
    in_fence = False

    def flush() -> Iterator[Block]:
        if current and any(part.strip() for part in current):
            yield Block("\n".join(current), section, None if page else start, page)
        current.clear()

    for number, line in enumerate(lines, 1):
        if markdown and line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            yield from flush()
            continue
        heading = None
        if not in_fence:
            heading = markdown_heading(line) if markdown else clause_heading(line)
        if heading is not None:
            yield from flush()
            section = heading
            yield Block(heading, section, None if page else number, page)
            continue
        if not line.strip() or in_fence or _BULLET.match(line):
            yield from flush()
            if in_fence or not line.strip():
                continue
        if not current:
            start = number
        current.append(_BULLET.sub("", line, count=1) if markdown else line)
    yield from flush()


class _HtmlText(HTMLParser):
    """Collects the text of block elements with the heading they fall under."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "li",
            "td",
            "th",
            "dt",
            "dd",
            "blockquote",
            "pre",
            "section",
            "article",
            "header",
            "footer",
            "caption",
            "figcaption",
            "main",
            "aside",
            "tr",
            "br",
        ]
    )
    HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
    SKIP = frozenset(("head", "title", "script", "style", "noscript", "template", "svg"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.section = NO_SECTION
        self._parts: list[str] = []
        self._line = 1
        self._skip = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.HEADINGS:
            self._flush()
            self._heading = []
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.HEADINGS and self._heading is not None:
            title = " ".join("".join(self._heading).split())
            self._heading = None
            if title:
                self.section = title
                self.blocks.append(Block(title, title, self.getpos()[0]))
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
            return
        if not self._parts:
            self._line = self.getpos()[0]
        self._parts.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.blocks.append(Block(text, self.section, self._line))
        self._parts = []

    def close(self) -> None:
        super().close()
        self._flush()


def _html_blocks(name: str, text: str) -> Iterable[Block]:
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
    except (ValueError, AssertionError) as exc:  # the parser is lenient; this is rare
        raise DocumentUnreadable(
            f"{name}: the HTML cannot be parsed ({exc}).", "Check the file is valid HTML."
        ) from None
    return parser.blocks


def _pdf_blocks(name: str, data: bytes, forms: frozenset[str]) -> Iterator[Block]:
    # imported here: only PDF input needs the PDF library
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentUnreadable(
                f"{name}: the PDF is encrypted with a password.",
                "Save an unencrypted copy (or print it to PDF) and analyse that.",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentUnreadable:
        raise
    except FileNotDecryptedError:
        raise DocumentUnreadable(
            f"{name}: the PDF is encrypted with a password.",
            "Save an unencrypted copy (or print it to PDF) and analyse that.",
        ) from None
    except Exception as exc:  # pypdf raises many types for damaged files (PdfReadError, ...)
        raise DocumentUnreadable(
            f"{name}: the file cannot be read as a PDF ({type(exc).__name__}: {exc}).",
            "Check the file is a complete, undamaged PDF.",
        ) from None
    if not any(page.strip() for page in pages):
        raise DocumentUnreadable(
            f"{name}: the PDF has no text layer (is it a scanned image?).",
            "Run it through OCR (text recognition) first, then analyse the result.",
        )
    section = NO_SECTION
    for number, page_text in enumerate(pages, 1):
        for block in _line_blocks(
            page_text, markdown=False, forms=forms, page=number, section=section
        ):
            section = block.section
            yield block


def _docx_blocks(name: str, data: bytes) -> Iterator[Block]:
    # imported here: only DOCX input needs python-docx
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        # read whole here: styles and tables are parsed lazily and can be damaged too
        paragraphs = [
            (p.text.strip(), (p.style.name if p.style is not None else "") or "")
            for p in _docx_paragraphs(document)
        ]
    except Exception as exc:  # python-docx, lxml and zlib raise many types for damaged files
        raise DocumentUnreadable(
            f"{name}: the file cannot be read as a Word document ({type(exc).__name__}).",
            "Check the file is a complete .docx file (old .doc files must be saved as .docx).",
        ) from None
    section = NO_SECTION
    number = 0
    for text, style in paragraphs:
        number += 1
        if not text:
            continue
        if style.lower().startswith(("heading", "title")):
            section = text
        yield Block(text, section, number)


def _docx_paragraphs(document: Any) -> Iterator[Any]:
    """Body paragraphs and table-cell paragraphs, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                for cell in row.cells:
                    yield from cell.paragraphs
