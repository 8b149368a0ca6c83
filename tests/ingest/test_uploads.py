"""Uploads kept in the data folder: safe names, a folder per review, and finding them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from colead.errors import InvalidData
from colead.ingest import uploads
from colead.ingest.uploads import (
    remove_uploads,
    review_folder,
    review_uploads,
    safe_file_name,
    store_upload,
)


def test_file_names_are_sanitised() -> None:
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("C:\\Users\\me\\Résumé list.csv") == "Resume-list.csv"
    assert safe_file_name("...") == "upload"
    assert len(safe_file_name("a" * 300 + ".xlsx")) == 100
    assert safe_file_name("a" * 300 + ".xlsx").endswith(".xlsx")


def test_a_stored_upload_is_found_with_the_moment_it_arrived(tmp_path: Path) -> None:
    folder = review_folder(tmp_path, "Client X – Supplier Y")
    before = datetime.now(UTC).replace(microsecond=0)
    stored = store_upload(folder, io.BytesIO(b"person_id\nP1\n"), "../HR extract.csv")
    bounce = store_upload(folder / "bounces", io.BytesIO(b"From x\n"), "returned.mbox")
    rejected = stored.with_name(f"{stored.stem}.rejected.csv")
    rejected.write_text("error\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not an upload", encoding="utf-8")
    (folder / "20250101T000000Z-zzzzzz-odd.csv").write_text("not ours", encoding="utf-8")

    found = review_uploads(tmp_path, "Client X – Supplier Y")
    assert {u.path for u in found} == {stored, rejected, bounce}
    assert all(before <= u.stored_at <= datetime.now(UTC) for u in found)
    assert stored.name.endswith("-HR-extract.csv") and stored.parent == folder
    assert review_uploads(tmp_path, "Another review") == []

    assert remove_uploads(found) == 3
    assert review_uploads(tmp_path, "Client X – Supplier Y") == []
    assert (folder / "notes.txt").exists()


def test_a_file_over_the_limit_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(InvalidData, match="too large"):
        store_upload(tmp_path, io.BytesIO(b"x" * 11), "big.csv")
    assert list(tmp_path.iterdir()) == []
