"""Report files written atomically: a failure never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path

from colead.errors import OutputError

__all__ = ["write_atomically"]


def write_atomically(data: bytes, path: Path, what: str = "report") -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and
    ``os.replace``.

    Parameters
    ----------
    data
        The file's bytes.
    path
        The file to create or replace.
    what
        How messages name the file ("report", "PDF").

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        If the folder does not exist, is not writable, or ``path`` is a folder.
    """
    target = Path(path)
    hint = f"Check that the folder '{target.parent}' exists and that you may write to it."
    if target.is_dir():
        raise OutputError(
            f"Cannot write the {what} to '{target}': it is a folder.",
            hint=f"Give a file name, for example 'review{target.suffix or '.html'}'.",
        )
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"Cannot write the {what} to '{target}': {reason}.", hint) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); a report is a document to share, so give it
        # the mode of the file it replaces, or the usual 0644.
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise OutputError(f"Cannot write the {what} to '{target}': {reason}.", hint) from exc
        raise
    return target
