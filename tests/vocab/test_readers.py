"""Every format gives the same counts; sections and places are found; unreadable files
are reported one by one while the others are still analysed."""

from __future__ import annotations

import pytest

from colead.vocab import analyse_uploads, load_families
from colead.vocab.readers import DocumentUnreadable, read_document
from vocab import documents as docs

FORMATS = {
    "guide.txt": docs.plain_text,
    "guide.md": docs.markdown,
    "guide.html": docs.html,
    "guide.docx": docs.docx_bytes,
    "guide.pdf": docs.pdf_bytes,
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_gives_the_hand_counted_figures(name: str) -> None:
    report = analyse_uploads([(name, FORMATS[name]())], load_families())
    assert not report.errors
    (document,) = report.documents
    for family, forms in docs.EXPECTED_FORMS.items():
        count = document.families[family]
        assert {f: n for f, n in count.forms.items() if n} == forms
        expected = docs.EXPECTED_POS[family]
        assert (count.nouns, count.verbs, count.adjectives) == (
            expected["nouns"],
            expected["verbs"],
            expected["adjectives"],
        )
    assert [s.section for s in document.sections] == ["5.1 Leadership", "5.2 Roles"]
    by_section = {s.section: s.families["manage"].count for s in document.sections}
    assert by_section == {"5.1 Leadership": 1, "5.2 Roles": 3}


def test_places_are_lines_for_text_and_pages_for_pdf() -> None:
    families = load_families()
    text = analyse_uploads([("g.txt", docs.plain_text())], families).documents[0]
    managed = [h for h in text.hits if h.form == "managed"]
    assert [(h.line, h.page) for h in managed] == [(5, None), (5, None)]
    pdf = analyse_uploads([("g.pdf", docs.pdf_bytes())], families).documents[0]
    assert {h.page for h in pdf.hits if h.form == "managed"} == {2}
    assert all(h.line is None for h in pdf.hits)


def test_unreadable_files_are_reported_and_the_others_analysed() -> None:
    report = analyse_uploads(
        [
            ("good.txt", docs.plain_text()),
            ("locked.pdf", docs.encrypted_pdf()),
            ("scan.pdf", docs.scanned_pdf()),
            ("broken.pdf", docs.corrupt_pdf()),
            ("broken.docx", docs.corrupt_docx()),
            ("old.doc", b"\xd0\xcf\x11\xe0 old word"),
            ("empty.txt", b"  \n"),
            ("binary.txt", b"\x00\x01\x02 not text"),
        ],
        load_families(),
    )
    assert [d.file for d in report.documents] == ["good.txt"]
    messages = {e.file: e.message for e in report.errors}
    assert "encrypted" in messages["locked.pdf"]
    assert "no text layer" in messages["scan.pdf"] and "OCR" in messages["scan.pdf"]
    assert "cannot be read as a PDF" in messages["broken.pdf"]
    assert "Word document" in messages["broken.docx"]
    assert ".docx" in messages["old.doc"]
    assert "empty" in messages["empty.txt"]
    assert "not a text file" in messages["binary.txt"]
    assert all(message.startswith(name) for name, message in messages.items())


def test_a_pdf_with_only_an_owner_password_is_read() -> None:
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(BytesIO(docs.pdf_bytes())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="owner")
    buffer = BytesIO()
    writer.write(buffer)
    document = read_document("open.pdf", buffer.getvalue())
    assert any("Leadership" in b.text for b in document.blocks)


def test_the_kind_comes_from_the_content_when_the_name_does_not_say() -> None:
    assert read_document("upload", docs.pdf_bytes()).kind == "pdf"
    assert read_document("upload", docs.docx_bytes()).kind == "docx"
    assert read_document("upload", docs.html()).kind == "html"
    assert read_document("upload", docs.plain_text()).kind == "text"


def test_a_latin_1_text_file_is_decoded() -> None:
    document = read_document("café.txt", "Le café leader’s notes".encode("cp1252"))
    assert "leader’s" in document.blocks[0].text


def test_markdown_code_fences_and_list_items() -> None:
    text = b"# Guide\n\n- Managers shall report.\n- Leaders lead.\n\n```\nlead = 1\n```\n"
    document = read_document("g.md", text)
    assert [b.text for b in document.blocks] == [
        "Guide",
        "Managers shall report.",
        "Leaders lead.",
    ]


def test_an_empty_file_raises_document_unreadable() -> None:
    with pytest.raises(DocumentUnreadable, match="empty"):
        read_document("e.txt", b"")
