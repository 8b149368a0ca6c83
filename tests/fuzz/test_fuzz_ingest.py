"""Run the atheris harness briefly from a seed corpus of valid files: it must finish its
runs without finding a crash. Skipped where atheris (a libFuzzer wheel) has no wheel; in CI
on Linux x86-64, where the test extra installs it, a missing atheris fails."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from reliability import hostile
from vocab import documents

pytestmark = pytest.mark.reliability

HARNESS = Path(__file__).with_name("fuzz_ingest.py")
#: where the test extra installs atheris (see pyproject.toml)
_ATHERIS_PLATFORM = sys.platform == "linux" and platform.machine() == "x86_64"
#: mutations of one check; the time cap keeps it bounded on a busy machine (a crash still
#: fails it: libFuzzer stops with a non-zero exit code at the first one)
RUNS = 500


def test_the_file_readers_survive_a_short_fuzzing_run(tmp_path: Path) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        # The test extra installs atheris on Linux x86-64: missing there in CI is a failure.
        if os.environ.get("CI", "").lower() == "true" and _ATHERIS_PLATFORM:
            raise
        pytest.skip("atheris is not installed (it has wheels for Linux x86-64 only)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = {  # the first byte picks the reader (see fuzz_ingest._NAMES)
        "csv": b"\x00" + hostile.table_bytes(hostile.BASE_TABLES["people"], "utf-8", ","),
        "xlsx": b"\x01" + hostile.table_xlsx(hostile.BASE_TABLES["kpis"]),
        "docx": b"\x02" + documents.docx_bytes(),
        "pdf": b"\x03" + documents.pdf_bytes(),
        "html": b"\x04" + documents.html(),
        "txt": b"\x05" + documents.plain_text(),
    }
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)
    result = subprocess.run(
        [sys.executable, str(HARNESS), f"-runs={RUNS}", "-seed=1", "-max_total_time=45",
         "-max_len=200000", "-rss_limit_mb=4096", f"-artifact_prefix={tmp_path}/", str(corpus)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )  # fmt: skip
    tail = "\n".join(result.stderr.splitlines()[-40:])
    assert result.returncode == 0, tail
    assert "Done " in result.stderr, tail
