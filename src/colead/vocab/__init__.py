"""The lead/manage language analyser: the discussion paper's Table 1 for any document.

Read documents (:mod:`~colead.vocab.readers`), count the word families
(:mod:`~colead.vocab.families`) by part of speech (:mod:`~colead.vocab.pos`,
:mod:`~colead.vocab.taggers`) and find role-only guidance
(:mod:`~colead.vocab.obligations`); :func:`analyse_files` does it all for named files.
Pure apart from reading the files it is given; no CLI or HTML here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from colead.errors import ColeadError
from colead.vocab.analyse import (
    DocumentResult,
    FamilyCount,
    FileError,
    Hit,
    Statement,
    VocabReport,
    analyse_documents,
    proportions,
)
from colead.vocab.families import FamilySet, load_families
from colead.vocab.readers import Document, DocumentUnreadable, read_document
from colead.vocab.taggers import Tagger, make_tagger

__all__ = [
    "DocumentResult",
    "DocumentUnreadable",
    "FamilyCount",
    "FileError",
    "Hit",
    "Statement",
    "VocabReport",
    "analyse_documents",
    "analyse_files",
    "analyse_uploads",
    "load_families",
    "make_tagger",
    "proportions",
]


def analyse_uploads(
    files: Iterable[tuple[str, bytes | FileError]],
    families: FamilySet,
    tagger: Tagger | None = None,
) -> VocabReport:
    """Analyse documents given as (name, bytes); a FileError in place of the bytes, or a
    document that cannot be read, is listed in ``errors`` and the others still counted."""
    forms = frozenset(families.family_of())
    documents: list[Document] = []
    errors: list[FileError] = []
    for name, data in files:
        if isinstance(data, FileError):
            errors.append(data)
            continue
        try:
            documents.append(read_document(name, data, forms))
        except ColeadError as exc:
            errors.append(FileError(name, " ".join(filter(None, (exc.message, exc.hint)))))
    return analyse_documents(documents, families, tagger=tagger, errors=errors)


def analyse_files(
    paths: Iterable[Path], families: FamilySet, tagger: Tagger | None = None
) -> VocabReport:
    """Analyse files by path; missing or unreadable files are listed in ``errors``."""
    return analyse_uploads((_load(path) for path in paths), families, tagger)


def _load(path: Path) -> tuple[str, bytes | FileError]:
    name = str(path)
    try:
        return name, path.read_bytes()
    except FileNotFoundError:
        return name, FileError(name, f"{name}: no such file. Check the path.")
    except IsADirectoryError:
        return name, FileError(name, f"{name}: is a folder. Name the documents in it.")
    except OSError as exc:
        return name, FileError(name, f"{name}: cannot be read ({exc.strerror}).")
