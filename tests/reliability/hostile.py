"""Structure-aware hostile input: near-valid tables, YAML and documents, then mutated.

Random bytes mostly fail at the first check (the encoding, the header). These strategies
start from a file each parser accepts and change one or a few things a real user's file
gets wrong: a dropped or doubled column, a duplicated id, a cell holding a huge number,
NaN, a formula, a byte-order mark, odd Unicode, another delimiter or encoding.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from colead.errors import ColeadError

Table = list[list[str]]

#: values a cell of any column may be given by mistake (or on purpose)
HOSTILE_CELLS = [
    "", " ", "NA", "n/a", "nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1e-320",
    "99999999999999999999999", "-1", "0", "6", "3.5", "3,5", "0x10", "١٢", "٣",
    "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "'=1+1", "\ufeffC1", "C1\u200b", "ｃ１",
    "Ünïcödé 🙂", "\u202eevil", "a\nb", 'quote"inside', "x" * 600, "2024-02-30",
    "2024-13", "2024-Q5", "1900-01-01", "9999-12-31", "yes", "maybe", "TRUE", "null",
    "None", "C1", "C2", "S1", "S2", "nobody", "North", "baseline", "manager", "self",
]  # fmt: skip

cells = st.one_of(
    st.sampled_from(HOSTILE_CELLS),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

#: a valid file of each import kind, as rows of cells (the first is the header)
BASE_TABLES: dict[str, Table] = {
    "people": [
        ["person_id", "name", "email", "organisation", "site", "level", "manager_id"],
        ["C1", "Ana Client", "ana@client.test", "Client Co", "North", "1", ""],
        ["C2", "Ben Client", "ben@client.test", "Client Co", "North", "3", "C1"],
        ["P9", "Eve New", "eve@client.test", "Client Co", "South", "4", "C2"],
    ],
    "nominations": [
        ["wave", "ratee_id", "rater_id", "relation"],
        ["baseline", "C2", "S2", "partner"],
        ["baseline", "S2", "S1", "manager"],
    ],
    "wide": [
        [
            "wave",
            "ratee_id",
            "rater_id",
            "relation",
            "model_1",
            "model_2",
            "plan_1",
            "comment_strengths",
        ],
        ["baseline", "S2", "S1", "manager", "4", "5", "3", "Listens"],
        ["baseline", "S2", "C1", "partner", "2", "NA", "1", ""],
    ],
    "long": [
        ["wave", "ratee_id", "rater_id", "relation", "item_id", "value"],
        ["baseline", "S1", "S2", "direct_report", "model_1", "4"],
        ["baseline", "S1", "S2", "direct_report", "model_2", "3"],
        ["baseline", "S1", "C2", "partner", "model_1", "NA"],
    ],
    "kpis": [
        ["site", "period", "kpi", "value", "higher_is_better", "target"],
        ["North", "2024-Q3", "On-time delivery", "0.97", "yes", "0.95"],
        ["North", "2024-07", "Incidents", "2", "no", ""],
    ],
    "norms": [
        ["scale_id", "n", "mean", "sd", "p50", "source"],
        ["model", "120", "3.4", "0.6", "3.5", "survey 2023"],
        ["plan", "80", "3.1", "0.7", "3.0", "survey 2023"],
    ],
    "enrolments": [
        ["person_id", "programme", "start", "end", "completed"],
        ["C2", "Lead well", "2024-01-15", "2024-03-01", "yes"],
        ["S2", "Lead well", "2024-01-15", "", "no"],
    ],
}
#: the ``colead import`` kind each base table is imported as
IMPORT_KIND = {name: ("responses" if name in ("wide", "long") else name) for name in BASE_TABLES}


def _cell(table: Table, data: st.DataObject) -> tuple[int, int]:
    row = data.draw(st.integers(0, len(table) - 1))
    return row, data.draw(st.integers(0, len(table[row]) - 1))


def mutate_table(table: Table, data: st.DataObject, steps: int) -> Table:
    """Apply up to ``steps`` changes a user's file gets wrong to a copy of ``table``."""
    table = [list(row) for row in table]
    for _ in range(steps):
        if not table or not table[0]:
            break
        move = data.draw(
            st.sampled_from(
                ["cell", "cell", "cell", "drop_column", "double_column", "double_row",
                 "drop_row", "rename", "ragged", "self_manager", "cycle"]
            )
        )  # fmt: skip
        width = len(table[0])
        if move == "cell":
            row, column = _cell(table, data)
            table[row][column] = data.draw(cells)
        elif move == "drop_column":
            column = data.draw(st.integers(0, width - 1))
            table = [[v for k, v in enumerate(row) if k != column] for row in table]
        elif move == "double_column":
            column = data.draw(st.integers(0, width - 1))
            table = [[*row, row[column] if column < len(row) else ""] for row in table]
        elif move == "double_row":
            table.append(list(table[data.draw(st.integers(0, len(table) - 1))]))
        elif move == "drop_row" and len(table) > 1:
            del table[data.draw(st.integers(1, len(table) - 1))]
        elif move == "rename":
            column = data.draw(st.integers(0, width - 1))
            old = table[0][column]
            table[0][column] = data.draw(
                st.sampled_from([old.upper(), f" {old.replace('_', ' ')} ", f"\ufeff{old}", ""])
                | cells
            )
        elif move == "ragged":
            row = data.draw(st.integers(0, len(table) - 1))
            table[row] = table[row][: data.draw(st.integers(0, len(table[row])))] + (
                [data.draw(cells)] * data.draw(st.integers(0, 2))
            )
        elif move in ("self_manager", "cycle") and "manager_id" in table[0]:
            at = table[0].index("manager_id")
            for k, row in enumerate(table[1:], 1):
                if at < len(row) and row:
                    # C1 -> P9 -> C2 -> C1 closes a loop; or everyone manages themselves
                    row[at] = (
                        row[0] if move == "self_manager" else table[k % (len(table) - 1) + 1][0]
                    )
    return table


encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])
delimiters = st.sampled_from([",", ";", "\t", "|"])


def table_bytes(table: Table, encoding: str, delimiter: str, newline: str = "\n") -> bytes:
    """A table written as CSV text the way spreadsheets do: quoted when needed."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(table)
    return buffer.getvalue().encode(encoding, errors="replace")


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        # openpyxl refuses control characters in cells; a spreadsheet cannot hold them either
        sheet.append(["".join(c for c in v if c >= " " or c in "\t\n") for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def flip_bytes(data: bytes, draw: Callable[[Any], Any]) -> bytes:
    """A few bytes changed, removed or inserted: a file damaged in transit."""
    damaged = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not damaged:
            break
        at = draw(st.integers(0, len(damaged) - 1))
        move = draw(st.sampled_from(["set", "cut", "insert"]))
        if move == "set":
            damaged[at] = draw(st.integers(0, 255))
        elif move == "cut":
            del damaged[at : at + draw(st.integers(1, 64))]
        else:
            damaged[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(damaged)


def damage_zip_member(data: bytes, draw: Callable[[Any], Any]) -> bytes:
    """A zip (DOCX, XLSX) still readable as a zip, with one member's bytes damaged: the
    XML parser, not the unzipper, meets the damage."""
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return rewrite_zip_member(data, draw(st.sampled_from(names)), lambda b: flip_bytes(b, draw))


def rewrite_zip_member(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip ``data`` with ``member``'s bytes replaced by ``change(bytes)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, change(content) if name == member else content)
    return buffer.getvalue()


def parsed_or_refused(parse: Callable[[], Any]) -> ColeadError | None:
    """Run a parser: it returns, or raises one domain error with a message and a hint.
    Any other exception propagates and fails the test."""
    try:
        parse()
    except ColeadError as error:
        assert error.message.strip(), error
        return error
    return None
