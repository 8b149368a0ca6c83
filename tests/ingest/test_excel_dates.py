"""Dates as Excel delivers them: date cells, serial numbers, and the text of both."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from sqlalchemy import Select, select

from builders import default_framework
from colead.ingest.importing import import_file
from colead.ingest.outcomes import _date, normalise_period
from colead.ingest.reader import read_file, with_header
from colead.ingest.survey_tools import detect_format, read_survey_export
from colead.store import make_engine
from colead.store.schema import Enrolment, Kpi, Person

# Excel's date serial n (for every n >= 61) is the day n days after 1899-12-30.
EXCEL_DAY_ZERO = date(1899, 12, 30)


def _serial_date(serial: int) -> date:
    return EXCEL_DAY_ZERO + timedelta(days=serial)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _save(path: Path, rows: list[list[Any]], formats: dict[str, str] | None = None) -> Path:
    """A one-sheet workbook of ``rows``; ``formats`` sets number formats by cell ("B3")."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    book.save(path)
    return path


# --- reading ----------------------------------------------------------------------------


def test_date_cells_read_as_iso_text_and_other_cells_keep_their_text(tmp_path: Path) -> None:
    header = ["person_id", "day", "moment", "serial", "level", "score", "typed", "clock"]
    rows: list[list[Any]] = [
        header,
        ["007", datetime(2024, 3, 31), datetime(2024, 3, 31, 14, 5, 6), 45382, 3, 7.5,
         "2024-03-31 00:00:00", time(9, 30)],
        ["0042", date(2024, 1, 1), datetime(2024, 1, 1, 0, 0, 1), 45383.0, 4, 0.25,
         "31/03/2024", None],
    ]  # fmt: skip
    path = _save(tmp_path / "dates.xlsx", rows, {"D2": "0", "D3": "#,##0"})
    frame = with_header(read_file(path).cells)
    assert frame.columns.tolist() == header
    assert frame.values.tolist() == [
        ["007", "2024-03-31", "2024-03-31 14:05:06", "45382", "3", "7.5",
         "2024-03-31 00:00:00", "09:30:00"],
        ["0042", "2024-01-01", "2024-01-01 00:00:01", "45383", "4", "0.25",
         "31/03/2024", None],
    ]  # fmt: skip

    # Every cell that is not a date reads exactly as pandas' text reading gives it.
    as_text = pd.read_excel(path, header=None, dtype=str, keep_default_na=False)
    others = [k for k, name in enumerate(header) if name not in ("day", "moment")]
    expected = [
        [None if pd.isna(v) or v == "" else v for v in row]
        for row in as_text.iloc[1:, others].values.tolist()
    ]
    assert frame.iloc[:, others].values.tolist() == expected


def test_date_cells_of_a_1904_workbook_read_as_the_same_dates(tmp_path: Path) -> None:
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(["period"])
    sheet.append([datetime(2024, 3, 31)])
    book.save(tmp_path / "mac.xlsx")
    cells = read_file(tmp_path / "mac.xlsx").cells
    assert cells.values.tolist() == [["period"], ["2024-03-31"]]


def test_a_microsoft_forms_export_still_reads(tmp_path: Path) -> None:
    framework = default_framework()
    meta = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    items = [i.self_text or i.text for i in framework.items]
    answers = [str(1 + (r + k) % 5) for r in range(2) for k in range(len(items))]
    rows: list[list[Any]] = [[*meta, *items]]
    for r in range(2):
        started = datetime(2024, 3, 31, 9, 15 + r)
        row = [r + 1, started, started + timedelta(minutes=7), f"r{r}@x.org", f"R {r}", None]
        rows.append([*row, *answers[r * len(items) : (r + 1) * len(items)]])
    raw = read_file(_save(tmp_path / "forms.xlsx", rows)).cells
    assert detect_format(raw) == "msforms"
    table = read_survey_export(raw, framework)
    assert len(table.wide) == 2
    assert table.wide["Start time"].tolist() == ["2024-03-31 09:15:00", "2024-03-31 09:16:00"]
    assert table.wide["Completion time"].tolist() == ["2024-03-31 09:22:00", "2024-03-31 09:23:00"]
    assert [m.item_id for m in table.matches] == list(framework.item_ids)


# --- KPI periods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "period"),
    [
        ("2024-03-31", "2024-03"),
        ("2024-03-01", "2024-03"),
        ("2024-03-31 00:00:00", "2024-03"),
        ("2024-03-31 14:05:06", "2024-03"),
        ("2024-03-31T14:05", "2024-03"),
        ("20240331", "2024-03"),
        (" 2024-12-31 ", "2024-12"),
        (datetime(2024, 3, 31), "2024-03"),
        (date(2024, 2, 29), "2024-02"),
        ("45382", _month(_serial_date(45382))),
        (45382, _month(_serial_date(45382))),
        ("45382.0", _month(_serial_date(45382))),
        (45382.75, _month(_serial_date(45382))),  # the fraction is a time of day
        ("45351", _month(_serial_date(45351))),
        ("10000", _month(_serial_date(10000))),  # the first serial read as a date
        ("99999", _month(_serial_date(99999))),  # the last one
        # Years stay years, whatever their type: they are never serials.
        ("2024", "2024"),
        (2024, "2024"),
        ("2024.0", "2024"),
        (2024.0, "2024"),
        ("9999", "9999"),
        # The existing forms are unchanged.
        ("2024-Q3", "2024-Q3"),
        ("2024q3", "2024-Q3"),
        ("2024/7", "2024-07"),
        ("2024-07", "2024-07"),
    ],
)
def test_periods_read_dates_as_their_month(raw: object, period: str) -> None:
    assert normalise_period(raw) == period


def test_the_expected_serial_months_are_the_dates_excel_shows() -> None:
    # Excel shows 45382 as 31 March 2024 and 10000 as 18 May 1927.
    assert _serial_date(45382) == date(2024, 3, 31)
    assert _serial_date(10000) == date(1927, 5, 18)
    assert _serial_date(99999) == date(2173, 10, 13)


@pytest.mark.parametrize(
    "raw",
    [
        "31/03/2024",  # day first or month first: not guessed
        "03/31/2024",
        "31-03-2024",
        "2024-02-30",  # no such day
        "2024-03-31 25:00",
        "2024-03-31 garbage",
        "2024-3-31",
        "9999.5",  # below the serials, and not a year
        "100000",  # six digits: not a serial
        "202403",  # a year and month run together would be the year 2454 as a serial
        "-45382",
        "45382e0",
        "Q3 2024",
        "",
        None,
    ],
)
def test_periods_refuse_what_is_not_a_period_or_an_unambiguous_date(raw: object) -> None:
    assert normalise_period(raw) is None


# --- enrolment dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("2024-03-31 00:00:00", date(2024, 3, 31)),
        ("2024-03-31 14:05:06", date(2024, 3, 31)),
        (" 2024-03-31 ", date(2024, 3, 31)),
        ("20240331", date(2024, 3, 31)),
        ("45382", _serial_date(45382)),
        (45382, _serial_date(45382)),
        ("45382.0", _serial_date(45382)),
        ("45382.5", _serial_date(45382)),
        ("10000", _serial_date(10000)),
        ("99999", _serial_date(99999)),
        (datetime(2024, 3, 31, 9, 0), date(2024, 3, 31)),
        (date(2024, 3, 31), date(2024, 3, 31)),
        (pd.Timestamp("2024-03-31"), date(2024, 3, 31)),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_enrolment_dates_accept_iso_and_excel_serials(raw: object, expected: date | None) -> None:
    assert _date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "31/03/2024",
        "03/31/2024",
        "31.03.2024",
        "2024/03/31",
        "June",
        "2024",  # a year is not a date, and not a serial either
        "60",  # Excel's 1900-02-29, a day that never was
        "1",
        "9999",
        "100000",
        "202403",
        "2024-02-30",
        "2024-03-31 garbage",
        "2024-03-31T24:00",
        "True",
    ],
)
def test_enrolment_dates_refuse_ambiguous_or_implausible_values(raw: str) -> None:
    assert _date(raw) is None


# --- whole imports --------------------------------------------------------------------

PEOPLE = """Employee ID,Full Name,E-mail,Organization,Organisation Role,Location,Job Title,Grade
C1,Ana Client,ana@client.test,Client Co,client,North,Director,1
S1,Cy Supplier,cy@supplier.test,Supplier Ltd,supplier,North,Site lead,2
S2,Di Supplier,di@supplier.test,Supplier Ltd,supplier,North,Engineer,5
"""


def _people(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    assert import_file(database_url, "people", path, review="R").imported == 3


def _rows(database_url: str, statement: Select[Any]) -> list[tuple[Any, ...]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(r) for r in connection.execute(statement).all())
    finally:
        engine.dispose()


@pytest.mark.integration
def test_a_kpi_sheet_with_date_periods_imports_as_months(database_url: str, tmp_path: Path) -> None:
    _people(database_url, tmp_path)
    rows: list[list[Any]] = [
        ["Site", "Period", "KPI", "Value"],
        ["North", datetime(2024, 1, 31), "On time (%)", 91.5],  # month end
        ["North", datetime(2024, 2, 1), "On time (%)", 92],  # month start
        ["North", 45382, "On time (%)", 93],  # a date typed into a number cell
        ["North", "2024", "Incidents", 4],  # a year stays a year
        ["North", "2024-Q2", "Incidents", 1],
        ["North", "30/04/2024", "On time (%)", 94],  # day first: refused
    ]
    path = _save(tmp_path / "kpis.xlsx", rows, {"B4": "0"})
    outcome = import_file(database_url, "kpis", path, review="R")
    assert (outcome.read, outcome.imported, outcome.rejected) == (6, 5, 1)
    assert _rows(database_url, select(Kpi.period, Kpi.name, Kpi.value)) == [
        ("2024", "Incidents", 4.0),
        ("2024-01", "On time (%)", 91.5),
        ("2024-02", "On time (%)", 92.0),
        (_month(_serial_date(45382)), "On time (%)", 93.0),
        ("2024-Q2", "Incidents", 1.0),
    ]
    (problem,) = outcome.problems
    assert (problem.row, problem.column, problem.value) == (7, "period", "30/04/2024")
    assert "'30/04/2024'" in str(problem) and "2024-07" in problem.hint

    # Importing the same sheet again finds every stored period unchanged.
    again = import_file(database_url, "kpis", path, review="R")
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 1)


@pytest.mark.integration
def test_enrolment_dates_from_excel_cells_and_serials(database_url: str, tmp_path: Path) -> None:
    _people(database_url, tmp_path)
    rows: list[list[Any]] = [
        ["person_id", "programme", "start", "end", "completed"],
        ["C1", "Leading", datetime(2024, 3, 1), datetime(2024, 6, 30), "yes"],
        ["S1", "Leading", 45352, 45473, "no"],  # dates typed into number cells
        ["S2", "Leading", "01/03/2024", None, "no"],  # day first: refused
    ]
    path = _save(tmp_path / "enrolments.xlsx", rows, {"C3": "0", "D3": "0"})
    outcome = import_file(database_url, "enrolments", path, review="R")
    assert (outcome.imported, outcome.rejected) == (2, 1)
    stored = select(Person.external_id, Enrolment.start_date, Enrolment.end_date).join(
        Person, Person.id == Enrolment.person_id
    )
    assert _rows(database_url, stored) == [
        ("C1", date(2024, 3, 1), date(2024, 6, 30)),
        ("S1", _serial_date(45352), _serial_date(45473)),
    ]
    (problem,) = outcome.problems
    assert (problem.row, problem.column, problem.value) == (4, "start", "01/03/2024")
    assert "'01/03/2024'" in str(problem) and "YYYY-MM-DD" in problem.hint
