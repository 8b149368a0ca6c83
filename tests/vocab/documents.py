"""Test documents built from code: the same short guidance text in every format, and
files that cannot be read (encrypted, corrupt, scanned-like)."""

from __future__ import annotations

import io

#: a short guidance text: (heading, paragraph) pairs
SECTIONS = (
    (
        "5.1 Leadership",
        "Top management shall demonstrate leadership. Senior leaders should lead the "
        "review and act as a leading example.",
    ),
    (
        "5.2 Roles",
        "The project lead is responsible for the plan. Managers must attend. The relationship "
        "is managed by both partners, and a managed service was agreed.",
    ),
)
#: what SECTIONS holds, counted by hand from the text above (headings included)
EXPECTED_FORMS = {
    "lead": {"leadership": 2, "leaders": 1, "lead": 2, "leading": 1},
    "manage": {"management": 1, "managers": 1, "managed": 2},
}
EXPECTED_POS = {
    "lead": {"nouns": 4, "verbs": 1, "adjectives": 1},
    "manage": {"nouns": 2, "verbs": 1, "adjectives": 1},
}


def plain_text() -> bytes:
    return "\n\n".join(f"{h}\n{p}" for h, p in SECTIONS).encode()


def markdown() -> bytes:
    return "\n\n".join(f"## {h}\n\n{p}" for h, p in SECTIONS).encode()


def html() -> bytes:
    body = "".join(f"<h2>{h}</h2>\n<p>{p}</p>\n" for h, p in SECTIONS)
    return (
        f"<!doctype html><html><head><title>Guide</title></head><body>{body}</body></html>".encode()
    )


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    for heading, paragraph in SECTIONS:
        document.add_heading(heading, level=2)
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A PDF with a text layer, one section per page (written by WeasyPrint)."""
    from weasyprint import HTML

    pages = "".join(
        f'<section style="break-after: page"><p>{h}</p><p>{p}</p></section>' for h, p in SECTIONS
    )
    return HTML(string=f"<html><body>{pages}</body></html>").write_pdf()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A PDF without a text layer, like a scan: one page with a drawn image and no text."""
    from weasyprint import HTML

    square = (
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='80' "
        "height='80'><rect width='80' height='80' fill='black'/></svg>"
    )
    return HTML(string=f'<html><body><img src="{square}"></body></html>').write_pdf()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n" + b"\x8f\x00garbage" * 50


def corrupt_docx() -> bytes:
    return b"PK\x03\x04 this is not really a zip archive"
