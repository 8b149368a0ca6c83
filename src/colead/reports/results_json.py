"""Write analysis results as a JSON document (schema: docs/results-schema.md)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from colead.analysis import ReviewResults
from colead.analysis.export import results_to_dict
from colead.errors import OutputError


def write_results_json(results: ReviewResults, path: Path) -> Path:
    """Write ``results`` to ``path`` atomically (a temporary file, then a rename)."""
    text = json.dumps(results_to_dict(results), indent=2, allow_nan=False, ensure_ascii=False)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text + "\n")
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write the results to {path}: {exc.strerror or exc}",
            "Choose a file in a folder you can write to with --json.",
        ) from None
    return path
