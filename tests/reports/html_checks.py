"""HTML checks shared by the report tests: balanced tags and tables as lists of texts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Balance(HTMLParser):
    """Checks that every non-void element is closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1:]}")
        else:
            self.stack.pop()


class _Tables(HTMLParser):
    """Collects each table as its caption and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, object]] = []
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = []
            self.tables.append({"caption": "", "rows": self._rows})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        for sink in (self._caption, self._cell):
            if sink is not None:
                sink.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {str(t["caption"]): t["rows"] for t in parser.tables}  # type: ignore[misc]


def row(rows: list[list[str]], header: str) -> list[str]:
    matches = [r for r in rows if r and r[0] == header]
    assert len(matches) == 1, f"row {header!r} not found once in {rows}"
    return matches[0]


def check_page(html: str) -> None:
    """Well-formed (every element closed in order) and self-contained (no URL, no script)."""
    checker = Balance()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert "http://" not in html
    assert "https://" not in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"\bsrc\s*=", html)
