"""Output folders of the jobs that write files, checked before any real work, and file names."""

from __future__ import annotations

import os
from pathlib import Path

from colead.errors import OutputError


def unwritable_folder(folder: Path) -> Path | None:
    """The nearest existing ancestor of ``folder`` when it cannot hold new files, else None.

    Checked before any real work, so a bad output path fails fast and writes nothing.
    """
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return existing
    return None


def check_output_dir(out_dir: Path) -> None:
    """Fail before any real work when the output folder could not be created or written."""
    existing = unwritable_folder(out_dir)
    if existing is not None:
        raise OutputError(
            f"Cannot write reports to {out_dir}: {existing} is not a writable folder.",
            "Choose a folder you can write to with --out.",
        )


def prepare_output_dir(out_dir: Path) -> None:
    """Create the output folder up front, so a bad path fails before any real work."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Cannot create the output folder {out_dir}: {exc.strerror or exc}",
            "Choose a folder you can write to with --out.",
        ) from None


def slug(name: str) -> str:
    """A file-name-safe form of a wave or review name."""
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "wave"
