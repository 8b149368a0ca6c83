"""Reading users' files: encodings, delimiters, Excel, and files that are not tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from colead.errors import InvalidData
from colead.ingest.reader import read_file, with_header

ROWS = [["person_id", "name", "site"], ["007", "Zoë Müller", "Zürich"], ["8", "Åsa, Jr.", "Malmö"]]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value or '"' in value else value

    return "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_encodings_and_delimiters(
    tmp_path: Path, encoding: str, bom: bytes, delimiter: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(bom + _csv(ROWS, delimiter).encode(encoding))
    raw = read_file(path)
    frame = with_header(raw.cells)
    assert list(frame.columns) == ROWS[0]
    assert frame.values.tolist() == ROWS[1:]  # leading zeros and accents kept
    assert raw.delimiter == delimiter and len(raw.sha256) == 64 and raw.size > 0


def test_quoted_fields_with_line_breaks_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"two\nlines"\n\n3,\n', encoding="utf-8")
    frame = with_header(read_file(path).cells)
    assert frame.values.tolist() == [["1", "two\nlines"], ["3", None]]


def test_xlsx_first_sheet_or_named(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1, 2]}).to_excel(writer, sheet_name="First", index=False)
        pd.DataFrame({"person_id": ["007"], "level": [3]}).to_excel(
            writer, sheet_name="People", index=False
        )
    assert with_header(read_file(path).cells).columns.tolist() == ["x"]
    people = with_header(read_file(path, sheet="People").cells)
    assert people.values.tolist() == [["007", "3"]]
    with pytest.raises(InvalidData, match="no sheet named 'Nope'") as caught:
        read_file(path, sheet="Nope")
    assert "First, People" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"  \n\n", "empty"),
        ("binary.csv", bytes(range(256)) * 4, "not a text file"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "not a readable Excel"),
        ("data.json", b'{"a": 1}', "reads CSV"),
    ],
)
def test_unusable_files_give_one_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidData, match=message) as caught:
        read_file(path)
    assert str(path) in caught.value.message and caught.value.hint


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidData, match="not found"):
        read_file(tmp_path / "nope.csv")
    with pytest.raises(InvalidData, match="folder"):
        read_file(tmp_path)


def test_a_truncated_csv_with_an_open_quote_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('person_id,name\nP1,"Ana\nP2,Ben', encoding="utf-8")
    with pytest.raises(InvalidData, match="EOF inside string") as caught:
        read_file(path)
    assert "cut.csv" in caught.value.message and "unbalanced quotes" in (caught.value.hint or "")


def test_a_hundred_megabyte_line_is_read_without_crashing(tmp_path: Path) -> None:
    path = tmp_path / "wide-line.csv"
    with path.open("w", encoding="utf-8") as stream:
        stream.write("person_id,name\nP1,")
        stream.write("x" * 100_000_000)
        stream.write("\n")
    raw = read_file(path)
    assert raw.size > 100_000_000
    frame = with_header(raw.cells)
    assert frame.shape == (1, 2) and len(frame.iloc[0, 1]) == 100_000_000
