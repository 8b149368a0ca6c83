"""Any bytes at all, named like a CSV file: a table or one clear error, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from colead.errors import InvalidData
from colead.ingest.importing import import_file
from colead.ingest.reader import read_file
from colead.ingest.text_stream import scan_text

_BYTES = st.binary(max_size=2_000) | st.text(max_size=300).map(lambda t: t.encode())
_ODD = [
    b"\xef\xbb\xbfperson_id,name\nP1,\xff\xfe\n",  # a UTF-8 mark, then bytes that are not
    b"\xff\xfea\x00,\x00b",  # a UTF-16 mark and an odd number of bytes
    b'a,b\n"1,2\n',  # an open quote at the end
    b"a,b\n1,2,3,4\n",  # more cells than the header
    b"\n\n\n,,,\n",
    b"item_id,value\n" + b"\x00" * 10,
]


def _read_both_ways(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(content)
        try:
            read_file(path)
        except InvalidData as exc:
            assert str(path) in exc.message and exc.hint
        try:
            for _ in scan_text(path).chunks(7):
                pass
        except InvalidData as exc:
            assert str(path) in exc.message and exc.hint


@pytest.mark.parametrize("content", _ODD)
def test_damaged_files_give_a_clear_error(content: bytes) -> None:
    _read_both_ways(content)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BYTES)
def test_reading_any_bytes_gives_cells_or_a_clear_error(content: bytes) -> None:
    _read_both_ways(content)


@pytest.mark.integration
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["people", "responses", "kpis"]), _BYTES)
def test_importing_any_bytes_gives_an_outcome_or_a_clear_error(kind: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(content)
        try:
            outcome = import_file(f"sqlite:///{folder}/h.db", kind, path, review="Hostile")
        except InvalidData as exc:
            assert exc.hint
        else:
            assert outcome.read >= outcome.rejected
