"""The console's language analyser: upload documents, see their lead/manage vocabulary.

The work is done by :mod:`colead.vocab`. Uploaded files are read into memory, analysed and
dropped: nothing is stored and nothing changes, so the result is the page the POST answers
(like an import's result) rather than a redirect, and there is nothing to audit. Files
over the size limit, and files that cannot be read, are listed with their reason while the
others are still analysed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from colead.errors import InvalidData
from colead.vocab import FileError, VocabReport, analyse_uploads, load_families
from colead.vocab.analyse import part_of_speech_split
from colead.web.admin.console import PREFIX, AdminForm, AdminPage, Console

#: the largest document accepted, and how many documents one analysis takes
MAX_VOCAB_FILE_BYTES = 20 * 1024 * 1024
MAX_VOCAB_FILES = 20
ACCEPTED = ".txt,.md,.markdown,.html,.htm,.pdf,.docx"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Segment:
    """One part of a bar: a part of speech of a family, where it starts and how wide."""

    label: str
    count: int
    x: float
    width: float
    css: str


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per document and family, split by part of speech."""

    width: float
    height: float
    label_width: float
    bars: tuple[Bar, ...]
    description: str


def vocab_chart(report: VocabReport, plot_width: float = 320.0) -> BarChart:
    """Geometry of the console's chart: counts of each family in each document and
    overall, each bar split into nouns, verbs and adjectives."""
    label_width, bar_height, gap = 190.0, 22.0, 10.0
    rows: list[tuple[str, Any]] = []
    for document in report.documents:
        for name in report.family_names:
            rows.append((f"{document.file} – {name}", document.families[name]))
    if len(report.documents) > 1:
        for name in report.family_names:
            rows.append((f"Overall – {name}", report.overall[name]))
    most = max((count.count for _, count in rows), default=0) or 1
    bars = []
    for i, (label, count) in enumerate(rows):
        x = label_width
        segments = []
        for pos, n in count.by_part_of_speech().items():
            width = plot_width * n / most
            segments.append(Segment(f"{pos}s", n, x, width, pos))
            x += width
        bars.append(Bar(label, count.count, 8 + i * (bar_height + gap), tuple(segments)))
    description = "; ".join(
        f"{bar.label}: {bar.total} ("
        + ", ".join(f"{s.count} {s.label}" for s in bar.segments)
        + ")"
        for bar in bars
    )
    height = 16 + len(bars) * (bar_height + gap)
    return BarChart(label_width + plot_width + 60, height, label_width, tuple(bars), description)


def read_upload(upload: UploadFile) -> bytes | FileError:
    """The bytes of an uploaded file, or a FileError when it is over the size limit."""
    name = upload.filename or "upload"
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > MAX_VOCAB_FILE_BYTES:
            return FileError(
                name,
                f"{name}: the file is larger than {MAX_VOCAB_FILE_BYTES // (1024 * 1024)} MB. "
                "Split it, or analyse it with `colead vocab` on the command line.",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def vocab_router(console: Console) -> APIRouter:
    """``/admin/vocab``: the upload form and the analysis it answers with."""
    router = APIRouter(prefix=f"{PREFIX}/vocab")

    def page(request: Request, admin: Any, report: VocabReport | None) -> Response:
        return console.page(
            request,
            "vocab.html.j2",
            admin,
            report=report,
            chart=vocab_chart(report) if report and report.documents else None,
            split=part_of_speech_split,
            accepted=ACCEPTED,
            max_files=MAX_VOCAB_FILES,
            max_mb=MAX_VOCAB_FILE_BYTES // (1024 * 1024),
        )

    @router.get("", response_model=None)
    def vocab_form(request: Request, admin: AdminPage) -> Response:
        return page(request, admin, None)

    @router.post("", response_model=None)
    def vocab_analyse(
        request: Request,
        admin: AdminForm,
        files: Annotated[list[UploadFile] | None, File()] = None,
    ) -> Response:
        chosen = [f for f in files or [] if f.filename]
        if not chosen:
            raise InvalidData(
                "No document was chosen.",
                "Choose one or more TXT, Markdown, HTML, PDF or DOCX files.",
            )
        if len(chosen) > MAX_VOCAB_FILES:
            raise InvalidData(
                f"{len(chosen)} documents were chosen; one analysis takes at most "
                f"{MAX_VOCAB_FILES}.",
                "Choose fewer documents, or analyse them with `colead vocab`.",
            )
        uploads = [(f.filename or "upload", read_upload(f)) for f in chosen]
        report = analyse_uploads(uploads, load_families())
        return page(request, admin, report)

    return router
