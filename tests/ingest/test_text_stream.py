"""CSV files read in chunks give the same cells, row numbers and errors as whole reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from colead.errors import InvalidData
from colead.ingest.reader import read_file
from colead.ingest.text_stream import is_text_file, scan_text

ROWS = [["person_id", "name", "site"], ["007", "Zoë Müller", "Zürich"], ["8", "Åsa, Jr.", "Malmö"]]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value or '"' in value else value

    return "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"


def _streamed(path: Path, rows: int) -> tuple[list[int], pd.DataFrame]:
    """Chunk start numbers and all chunks joined, as Python text with None for blanks."""
    starts, chunks = [], []
    for start, chunk in scan_text(path).chunks(rows):
        starts.append(start)
        chunks.append(chunk)
    cells = pd.concat(chunks, ignore_index=True).astype(object)
    return starts, cells.where(cells.notna() & cells.ne(""), None)


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16", b"", "utf-16"),
        ("cp1252", b"", None),  # a single-byte guess; the cells decide
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_encodings_and_delimiters_match_a_whole_read(
    tmp_path: Path, encoding: str, bom: bytes, expected: str | None, delimiter: str
) -> None:
    path = tmp_path / "people.csv"
    data = bom + _csv(ROWS, delimiter).encode(encoding)
    path.write_bytes(data)
    scanned = scan_text(path)
    assert scanned.delimiter == delimiter and scanned.size == len(data)
    assert scanned.sha256 == hashlib.sha256(data).hexdigest()
    assert expected is None or scanned.encoding == expected
    _, cells = _streamed(path, rows=1)
    assert cells.values.tolist() == ROWS
    assert cells.values.tolist() == read_file(path).cells.values.tolist()


def test_chunks_number_records_like_a_whole_read(tmp_path: Path) -> None:
    # Blank lines and rows with no cell filled are not records; a quoted line break is
    # inside one record.
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"two\nlines"\n\n,\n3,\n4,x\n5,y\n', encoding="utf-8")
    starts, cells = _streamed(path, rows=2)
    whole = read_file(path).cells
    assert cells.values.tolist() == whole.values.tolist()
    assert cells.values.tolist() == [
        ["a", "b"],
        ["1", "two\nlines"],
        ["3", None],
        ["4", "x"],
        ["5", "y"],
    ]
    assert starts == [1, 3, 4]  # the ",\n" row was dropped from the second chunk


def test_the_head_is_python_text(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("item_id,value\nmodel_1,\n", encoding="utf-8")
    assert scan_text(path).head(3).values.tolist() == [["item_id", "value"], ["model_1", None]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (bytes(range(256)) * 4, "not a text file"),
        (b"\xef\xbb\xbfa,b\n\xff\xfe,1\n", "not\\b.*UTF-8|holds bytes that are not"),
    ],
)
def test_unusable_files_give_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidData, match=message) as caught:
        scan_text(path)
    assert str(path) in caught.value.message and caught.value.hint


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidData, match="not found"):
        scan_text(tmp_path / "nope.csv")
    with pytest.raises(InvalidData, match="folder"):
        scan_text(tmp_path)


def test_a_truncated_file_and_a_row_too_long_are_refused_naming_the_place(tmp_path: Path) -> None:
    cut = tmp_path / "cut.csv"
    cut.write_text('a,b\n1,2\n3,"four\n5,6\n', encoding="utf-8")
    with pytest.raises(InvalidData, match="EOF inside string") as caught:
        list(scan_text(cut).chunks())
    assert "cut.csv" in caught.value.message and "unbalanced quotes" in (caught.value.hint or "")
    wide = tmp_path / "wide.csv"
    wide.write_text("a,b\n" + "1,2\n" * 5 + "1,2,3\n", encoding="utf-8")
    with pytest.raises(InvalidData, match="Expected 2 fields in line 7, saw 3"):
        list(scan_text(wide).chunks(2))


def test_a_hundred_megabyte_cell_streams(tmp_path: Path) -> None:
    path = tmp_path / "long-cell.csv"
    with path.open("w", encoding="utf-8") as stream:
        stream.write("ratee_id,rater_id,relation,item_id,value,comment_strengths\n")
        stream.write("P1,P2,peer,model_1,4,")
        stream.write("x" * 100_000_000)
        stream.write("\nP1,P2,peer,model_2,3,\n")
    scanned = scan_text(path)
    assert scanned.size > 100_000_000 and scanned.delimiter == ","
    _, cells = _streamed(path, rows=2)
    assert cells.shape == (3, 6) and len(cells.iloc[1, 5]) == 100_000_000


def test_text_and_workbooks_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("a\n1\n")
    (tmp_path / "b").write_text("a\n1\n")
    (tmp_path / "c.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "d.csv").write_bytes(b"PK\x03\x04 a zip named csv")
    assert [is_text_file(tmp_path / n) for n in ("a.csv", "b", "c.xlsx", "d.csv")] == [
        True, True, False, False,
    ]  # fmt: skip
