"""CSV files read in chunks, for files too large to hold as one table of Python strings.

:func:`scan_text` reads the file once as bytes, in blocks, to hash it and to settle its
encoding and delimiter exactly as :func:`~colead.ingest.reader.read_file` would; the
:class:`TextFile` it returns then yields the records in chunks, numbered as
:func:`~colead.ingest.reader.read_file` numbers them (the first record is row 1; blank lines
and rows with no cell filled in are not counted).
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from colead.errors import InvalidData
from colead.ingest.reader import EXCEL_SUFFIXES, TEXT_SUFFIXES, guess_delimiter, unreadable

__all__ = ["CHUNK_ROWS", "TextFile", "is_text_file", "scan_text"]

#: Records per chunk: about 10 MB of cells for a long responses file.
CHUNK_ROWS = 200_000
_BLOCK = 1 << 22
_SNIFF = 200_000


@dataclass(frozen=True)
class TextFile:
    """A delimited text file whose encoding and delimiter are known; read on demand."""

    path: Path
    encoding: str
    delimiter: str
    size: int
    sha256: str

    def chunks(self, rows: int | None = None) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(row number of the chunk's first record, cells)`` for every chunk.

        Cells are text (pandas ``str`` dtype) with ``""`` or NaN for empty cells; rows with
        no cell filled in are left out and not counted. ``rows`` defaults to
        :data:`CHUNK_ROWS`.
        """
        number = 1
        try:
            reader = pd.read_csv(
                self.path,
                sep=self.delimiter,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
                encoding=self.encoding,
                encoding_errors="strict",
                engine="c",
                chunksize=rows or CHUNK_ROWS,
            )
            with reader:
                for chunk in reader:
                    filled = chunk.notna() & chunk.ne("")
                    chunk = chunk[filled.any(axis=1).to_numpy()].reset_index(drop=True)
                    yield number, chunk
                    number += len(chunk)
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise InvalidData(
                f"{self.path}: not a readable {self.delimiter!r}-separated table after row "
                f"{number - 1}: {exc}",
                "Check for unbalanced quotes or rows with more cells than the header.",
            ) from None

    def head(self, rows: int) -> pd.DataFrame:
        """The first ``rows`` records as Python text, None for empty cells."""
        for _, chunk in self.chunks(rows):
            cells = chunk.astype(object)
            return cells.where(cells.notna() & cells.ne(""), None)
        return pd.DataFrame()


def is_text_file(path: Path) -> bool:
    """Whether ``path`` is read as delimited text rather than as a workbook."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                return False
    except OSError:
        return False
    return suffix in TEXT_SUFFIXES or not suffix


def scan_text(path: Path) -> TextFile:
    """Hash ``path`` and settle its encoding and delimiter, reading it block by block.

    Encodings: UTF-16 and UTF-8 by their byte-order marks; UTF-8 when every byte decodes
    as UTF-8; otherwise the best guess from the first 200 kB (cp1252, latin-1 ...), with
    latin-1, which decodes any byte, as the last resort.
    """
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, has_content, size = True, False, 0
    start = b""
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
                size += len(block)
                if len(start) < _SNIFF:
                    start += block[: _SNIFF - len(start)]
                has_content = has_content or bool(block.strip())
                if is_utf8:
                    try:
                        utf8.decode(block)
                    except UnicodeDecodeError:
                        is_utf8 = False
            if is_utf8:
                try:
                    utf8.decode(b"", final=True)
                except UnicodeDecodeError:
                    is_utf8 = False
    except OSError as exc:
        raise unreadable(path, exc) from None
    if not has_content:
        raise InvalidData(f"{path}: the file is empty.", "Give a file with a header row and data.")
    encoding = _encoding(path, start, is_utf8)
    sample = codecs.decode(start, encoding, errors="ignore")
    if encoding == "utf-8-sig":
        sample = sample.lstrip("\ufeff")
    return TextFile(path, encoding, guess_delimiter(sample), size, digest.hexdigest())


def _encoding(path: Path, start: bytes, is_utf8: bool) -> str:
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in start[:4096]:
        raise InvalidData(
            f"{path}: this is not a text file (it contains binary data).",
            "Export the data as CSV or XLSX and import that.",
        )
    if start.startswith(codecs.BOM_UTF8):
        if not is_utf8:
            raise InvalidData(
                f"{path}: the file says it is UTF-8 but holds bytes that are not.",
                "Save it again as 'CSV UTF-8' and import that.",
            )
        return "utf-8-sig"
    if is_utf8:
        return "utf-8"
    best = from_bytes(start).best()
    guess = best.encoding if best is not None else "cp1252"
    try:
        codecs.lookup(guess)
    except LookupError:
        return "latin-1"
    return _whole_file_decodes(path, guess) or "latin-1"


def _whole_file_decodes(path: Path, encoding: str) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return encoding
