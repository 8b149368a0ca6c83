"""A :class:`~colead.vocab.analyse.VocabReport` as plain records: the JSON shape, the
paper's Table 1 rows, per-section rows and concordance rows. No files are written here."""

from __future__ import annotations

from typing import Any

from colead.vocab.analyse import DocumentResult, FamilyCount, VocabReport, proportions
from colead.vocab.pos import PARTS_OF_SPEECH

CONCORDANCE_COLUMNS = (
    "file",
    "section",
    "line",
    "page",
    "left_context",
    "keyword",
    "right_context",
    "family",
    "part_of_speech",
    "method",
)
_POS_LABELS = {"noun": "nouns (roles)", "verb": "verbs (actions)", "adjective": "adjectives"}


def family_record(count: FamilyCount) -> dict[str, Any]:
    return {
        "count": count.count,
        "nouns": count.nouns,
        "verbs": count.verbs,
        "adjectives": count.adjectives,
        "forms": dict(count.forms),
    }


def document_record(document: DocumentResult, *, by_section: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "file": document.file,
        "words": document.words,
        "families": {n: family_record(c) for n, c in document.families.items()},
        "proportions": document.proportions,
    }
    if by_section:
        record["sections"] = [
            {
                "section": s.section,
                "words": s.words,
                "families": {n: family_record(c) for n, c in s.families.items()},
                "proportions": proportions(s.families),
            }
            for s in document.sections
        ]
    return record


def report_record(report: VocabReport, *, by_section: bool = False) -> dict[str, Any]:
    """The ``--json`` object: documents, overall, method and errors (plus each document's
    ``sections`` when ``by_section``)."""
    return {
        "documents": [document_record(d, by_section=by_section) for d in report.documents],
        "overall": {
            "families": {n: family_record(c) for n, c in report.overall.items()},
            "proportions": report.proportions,
        },
        "method": report.method,
        "errors": [{"file": e.file, "message": e.message} for e in report.errors],
    }


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def table1_rows(report: VocabReport) -> list[list[str]]:
    """The paper's Table 1 for any documents: one column per document, then overall and
    proportion; a row per family, then a row per family and part of speech (whose
    proportion is its share of the family)."""
    header = ["word_count", *(d.file for d in report.documents), "overall", "proportion"]
    rows = [header]
    shares = report.proportions
    for name in report.family_names:
        rows.append(
            [
                f"“{name.capitalize()}” overall",
                *(str(d.families[name].count) for d in report.documents),
                str(report.overall[name].count),
                _share(shares[name]),
            ]
        )
    for name in report.family_names:
        total = report.overall[name]
        for pos in PARTS_OF_SPEECH:
            n = total.by_part_of_speech()[pos]
            rows.append(
                [
                    f"“{name.capitalize()}” {_POS_LABELS[pos]}",
                    *(str(d.families[name].by_part_of_speech()[pos]) for d in report.documents),
                    str(n),
                    _share(n / total.count if total.count else None),
                ]
            )
    return rows


def concordance_rows(report: VocabReport) -> list[list[str]]:
    """Every hit in document order, with CONCORDANCE_COLUMNS."""
    rows = [list(CONCORDANCE_COLUMNS)]
    for document in report.documents:
        for h in document.hits:
            rows.append(
                [
                    h.file,
                    h.section,
                    "" if h.line is None else str(h.line),
                    "" if h.page is None else str(h.page),
                    h.left,
                    h.keyword,
                    h.right,
                    h.family,
                    h.part_of_speech,
                    h.method,
                ]
            )
    return rows
