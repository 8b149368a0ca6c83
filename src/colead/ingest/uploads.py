"""Files uploaded in the admin console, kept in the data folder (``COLEAD_DATA_DIR``).

Each review has a folder of its own (:func:`review_folder`); an upload is stored there
under a name that starts with the moment it arrived, ``YYYYmmddTHHMMSSZ-xxxxxx-name``,
and the rejected rows of its import beside it under the same start. Bounce reports go to
the review's ``bounces`` folder, named the same way. Those names are how the privacy
operations find the uploads of a review, and how old they are
(:func:`review_uploads`); a file named otherwise was not put there by colead and is
never removed.

The files are copies of what was imported: people lists, answers, e-mail addresses. So
erasing a person and purging a wave remove them too (:mod:`colead.privacy`).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import BinaryIO

from colead.errors import InvalidData, OutputError
from colead.store.schema import utcnow

#: the largest file accepted for upload
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_CHUNK = 1024 * 1024
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: the start of every stored upload's name: when it arrived, and a random part
_STORED_NAME = re.compile(r"(?P<stamp>\d{8}T\d{6}Z)-[0-9a-f]{6}-")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str, default: str = "upload") -> str:
    """A file name without folders, spaces or unusual characters, at most 100 long."""
    base = re.split(r"[\\/]", name)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_name).strip(".-_")
    if len(cleaned) > 100:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            cleaned = f"{stem[: 99 - len(suffix)]}.{suffix}"
        else:
            cleaned = cleaned[:100]
    return cleaned or default


def review_folder(data_dir: Path, review: str) -> Path:
    """The folder of a review's uploads: its name made safe, plus a hash that keeps
    reviews whose safe names coincide apart."""
    digest = sha256(review.encode()).hexdigest()[:10]
    return data_dir / f"{safe_file_name(review, 'review')[:60]}-{digest}"


def store_upload(folder: Path, source: BinaryIO, file_name: str) -> Path:
    """Copy an uploaded file into ``folder`` under a safe, new name; InvalidData when it
    is larger than MAX_UPLOAD_BYTES (nothing is kept then)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime(_STAMP_FORMAT)
    target = folder / f"{stamp}-{secrets.token_hex(3)}-{safe_file_name(file_name)}"
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                out.close()
                target.unlink()
                raise InvalidData(
                    "The file is too large to upload.",
                    f"Upload files of at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, or import "
                    "it with `colead import`.",
                )
            out.write(chunk)
    return target


@dataclass(frozen=True)
class StoredUpload:
    """An upload of a review in the data folder, and when it arrived (UTC)."""

    path: Path
    stored_at: datetime


def review_uploads(data_dir: Path, review: str) -> list[StoredUpload]:
    """Every file colead stored for ``review`` (uploads, their rejected rows, bounce
    reports), oldest first; files named otherwise and links are left out."""
    folder = review_folder(data_dir, review)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*"):
        matched = _STORED_NAME.match(path.name)
        # rglob does not go into linked folders; a linked file is not ours to delete
        if matched is None or path.is_symlink() or not path.is_file():
            continue
        moment = datetime.strptime(matched["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
        found.append(StoredUpload(path, moment))
    return sorted(found, key=lambda upload: (upload.stored_at, str(upload.path)))


def remove_uploads(uploads: Iterable[StoredUpload]) -> int:
    """Delete the files; how many were deleted (one already gone counts as deleted).

    Raises
    ------
    OutputError
        When a file cannot be deleted; those before it are deleted already.
    """
    removed = 0
    for upload in uploads:
        try:
            upload.path.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(
                f"Cannot delete the uploaded file {upload.path}: {exc.strerror or exc}",
                f"Delete it by hand, or give colead write access to {upload.path.parent}.",
            ) from None
        removed += 1
    return removed
