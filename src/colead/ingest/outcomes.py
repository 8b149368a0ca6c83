"""Import KPI values per site and period, and programme enrolments."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from colead.ingest.problems import (
    ImportReport,
    ProblemLog,
    RowNumbers,
    as_bool,
    as_number,
    blank,
    column_values,
    require_columns,
    text,
)
from colead.store.outcomes import get_or_create_programme, replace_enrolments, replace_kpis
from colead.store.people import person_ids, upsert_sites
from colead.store.reviews import audit
from colead.store.schema import Review

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")

# A full date as it arrives from a spreadsheet: ISO (2024-03-31 or 20240331), optionally
# with a time of day (2024-03-31 00:00:00 is how a date cell prints), or an Excel serial.
_ISO_DATE = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}|\d{8})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$"
)
_SERIAL = re.compile(r"^(?P<days>\d{1,7})(?:\.\d+)?$")
# Excel counts days from 1899-12-30 (exact for every serial from 61 on; below that its
# phantom 1900-02-29 shifts the count, but those serials are never accepted). Only five-digit
# serials are dates: 10000 is 1927-05-18 and 99999 is 2173-10-13. Four digits are a year
# (2024), and six a year and month (202403) that must not become the year 2454.
_EXCEL_EPOCH = date(1899, 12, 30)
_FIRST_SERIAL, _LAST_SERIAL = 10_000, 99_999


def _calendar_date(word: str) -> date | None:
    """The date ``word`` spells, or None.

    Accepted: ``2024-03-31`` (also ``20240331``), the same with a time of day
    (``2024-03-31 00:00:00``, ``2024-03-31T14:05``; the time is dropped), and an Excel date
    serial from 10000 to 99999 (``45382`` is 2024-03-31; a fraction is a time of day).
    Day-first and month-first dates (``31/03/2024``, ``03/31/2024``) are refused: they are
    too easy to misread.
    """
    word = word.strip()
    if _ISO_DATE.match(word):
        try:
            return datetime.fromisoformat(word).date()
        except ValueError:
            return None
    serial = _SERIAL.match(word)
    if serial is not None and _FIRST_SERIAL <= int(serial["days"]) <= _LAST_SERIAL:
        return _EXCEL_EPOCH + timedelta(days=int(serial["days"]))
    return None


def normalise_period(value: Any) -> str | None:
    """The period ``value`` names, as ``2024``, ``2024-Q3`` or ``2024-07``; else None.

    A year (``2024``, also ``2024.0``), a quarter (``2024-Q3``, ``2024q3``) or a month
    (``2024-07``, ``2024/7``). A full date is the month it falls in, so a column of month
    ends or month starts from a spreadsheet reads as months: ``2024-03-31``,
    ``2024-03-31 00:00:00`` and the Excel serial ``45382`` all give ``2024-03`` (see
    :func:`_calendar_date`). A number is a serial only from 10000 on, so ``2024`` stays a year.
    """
    word = text(value)
    if word is None:
        return None
    day = _calendar_date(word)
    if day is not None:
        return f"{day.year:04d}-{day.month:02d}"
    word = word.upper().replace("/", "-").replace(" ", "")
    word = re.sub(r"^(\d{4})-?Q", r"\1-Q", word)
    word = re.sub(r"^(\d{4})-(\d)$", r"\1-0\2", word)
    if re.fullmatch(r"\d{4}\.0", word):
        word = word[:4]
    return word if _PERIOD.match(word) else None


def _number(value: Any) -> float | None:
    # KPI sheets often carry thousands separators ("1,250"); norms never do.
    return as_number(value if blank(value) else str(value).replace(",", ""))


def import_kpis(
    session: Session,
    review: Review,
    frame: pd.DataFrame,
    source: str,
    *,
    rows: RowNumbers | None = None,
    actor: str = "import",
) -> ImportReport:
    """Validate and store ``site, period, kpi, value[, higher_is_better, target]`` rows."""
    require_columns(frame, ("site", "period", "kpi", "value"), source, "KPI")
    rows = rows or RowNumbers()
    report = ImportReport(kind="kpis", source=source, rows=len(frame))
    log = ProblemLog(report)
    sites = upsert_sites(session, review.id, {})

    records: dict[tuple[int, str, str], dict[str, Any]] = {}
    for position, (site, period, kpi, value, better, target) in enumerate(
        zip(
            column_values(frame, "site"),
            column_values(frame, "period"),
            column_values(frame, "kpi"),
            column_values(frame, "value"),
            column_values(frame, "higher_is_better"),
            column_values(frame, "target"),
            strict=True,
        )
    ):
        row = rows(position)
        before = len(report.problems)
        site_name, period_text, name = text(site), normalise_period(period), text(kpi)
        number, target_number = _number(value), _number(target)
        direction = True if blank(better) else as_bool(better)
        if site_name is None or site_name not in sites:
            log(
                row,
                "site",
                site,
                "is not a site of this review",
                "Use a site named in the people file, spelled the same way.",
            )
        if period_text is None:
            log(
                row,
                "period",
                period,
                "is not a period colead can read",
                "Write a year (2024), a quarter (2024-Q3) or a month (2024-07).",
            )
        if name is None:
            log(row, "kpi", None, "is empty", "Name the KPI in every row.")
        if number is None:
            log(
                row,
                "value",
                value,
                "is not a number",
                "Give the KPI value as a plain number (no units or text).",
            )
        if direction is None:
            log(
                row,
                "higher_is_better",
                better,
                "is not yes/no",
                "Use true/false, yes/no or 1/0, or leave empty for 'higher is better'.",
            )
        if not blank(target) and target_number is None:
            log(row, "target", target, "is not a number", "Give a number or leave it empty.")
        if len(report.problems) > before:
            continue
        assert site_name is not None and period_text is not None and name is not None
        records[(sites[site_name], period_text, name)] = {
            "site_id": sites[site_name],
            "period": period_text,
            "name": name,
            "value": number,
            "higher_is_better": direction,
            "target": target_number,
        }
    report.inserted, report.updated, report.unchanged = replace_kpis(
        session, review.id, list(records.values())
    )
    audit(
        session,
        actor,
        "import",
        "kpis",
        review_id=review.id,
        source=source,
        inserted=report.inserted,
        rejected=len(report.rejected_rows),
    )
    return report


def _date(value: Any) -> date | None:
    """ISO dates and Excel serials only (see :func:`_calendar_date`); None if blank or not one.

    Day-first and month-first spellings are too easy to misread.
    """
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _calendar_date(str(value))


def import_enrolments(
    session: Session,
    review: Review,
    frame: pd.DataFrame,
    source: str,
    *,
    programme_details: dict[str, Any] | None = None,
    rows: RowNumbers | None = None,
    actor: str = "import",
) -> ImportReport:
    """Validate and store ``person_id, programme[, start, end, completed]`` rows."""
    require_columns(frame, ("person_id", "programme"), source, "enrolments")
    rows = rows or RowNumbers()
    report = ImportReport(kind="enrolments", source=source, rows=len(frame))
    log = ProblemLog(report)
    people = person_ids(session, review.id)

    by_programme: dict[str, dict[int, dict[str, Any]]] = {}
    for position, (pid, programme, start, end, completed) in enumerate(
        zip(
            column_values(frame, "person_id"),
            column_values(frame, "programme"),
            column_values(frame, "start"),
            column_values(frame, "end"),
            column_values(frame, "completed"),
            strict=True,
        )
    ):
        row = rows(position)
        before = len(report.problems)
        person, name = text(pid), text(programme)
        start_date, end_date = _date(start), _date(end)
        done = False if blank(completed) else as_bool(completed)
        if person is None or person not in people:
            log(
                row,
                "person_id",
                pid,
                "is not a person in this review",
                "Import the person first or correct the id.",
            )
        if name is None:
            log(row, "programme", None, "is empty", "Name the programme in every row.")
        for column_name, raw, parsed in (("start", start, start_date), ("end", end, end_date)):
            if not blank(raw) and parsed is None:
                log(row, column_name, raw, "is not a date", "Write dates as YYYY-MM-DD.")
        if done is None:
            log(row, "completed", completed, "is not yes/no", "Use true/false, yes/no or 1/0.")
        if len(report.problems) > before:
            continue
        assert person is not None and name is not None
        by_programme.setdefault(name, {})[people[person]] = {
            "person_id": people[person],
            "start_date": start_date,
            "end_date": end_date,
            "completed": bool(done),
        }
    for name, enrolments in by_programme.items():
        details = (programme_details or {}) if programme_details else {}
        programme = get_or_create_programme(session, review.id, name, **details)
        inserted, updated, unchanged = replace_enrolments(
            session, programme.id, list(enrolments.values())
        )
        report.inserted += inserted
        report.updated += updated
        report.unchanged += unchanged
    audit(
        session,
        actor,
        "import",
        "enrolments",
        review_id=review.id,
        source=source,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected_rows),
    )
    return report
