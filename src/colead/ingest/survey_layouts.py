"""How each survey tool lays out its export's header rows, and what its own columns mean.

Layouts:

- ``qualtrics``: three header rows (export tags; question text; ``{"ImportId": ...}``);
  matrix rows are tagged ``Q5_1`` with the text ``Question - Row``;
- ``qualtrics_legacy``: two header rows (``V1``... tags; question text);
- ``googleforms``: one header row of question texts, first column ``Timestamp``; grid
  questions appear as ``Question [Row]``;
- ``msforms``: ``ID, Start time, Completion time, Email, Name, Last modified time``, then
  one column per question;
- ``surveymonkey``: the "expanded" export, two header rows. Row 1 holds ``Respondent ID,
  Collector ID, Start Date, End Date, IP Address, Email Address, First Name, Last Name,
  Custom Data 1`` and then each question's heading, written once over its first column (a
  matrix's later row columns are blank there); row 2 holds ``Response`` or
  ``Open-Ended Response`` under a single-answer question and the row text under each matrix
  row. A matrix column is matched on its row text (and on ``Heading - Row``);
- ``limesurvey``: one header row in any of LimeSurvey's heading styles: question codes
  (``id, submitdate, lastpage, startlanguage ...``, arrays as ``CODE[SQCODE]``), full text
  (``Response ID, Date submitted ...``, arrays as ``Question [Subquestion]``) or "question
  code & question text" (``obs[model1]. Question [Subquestion]``). A subquestion code is
  matched against item ids ignoring case and punctuation, so ``lead[model1]`` is item
  ``model_1`` (LimeSurvey codes cannot hold underscores);
- ``wide``: item ids as column names; ``long``: ``item_id`` and ``value`` columns.

An item (or comment question) asked in more than one column, such as an observer block and
a self-assessment block, or the same array in two LimeSurvey groups, is folded into one
column: each row's answer is the one cell of those columns it filled in. A row that answers
two of them differently is listed in :attr:`SurveyTable.conflicts`.

See :mod:`colead.ingest.survey_tools` for how columns are then matched to items.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from colead.ingest.columns import match_columns, squash
from colead.ingest.mapping import Mapping
from colead.ingest.problems import blank

HEADER_ROWS = {"qualtrics": 3, "qualtrics_legacy": 2, "surveymonkey": 2}

# Columns every export of a tool carries; kept under their own name (a mapping may turn one
# into rater_id, for example) but never reported as unmatched questions.
TOOL_COLUMNS = frozenset(
    squash(name)
    for name in (
        # Qualtrics (tags and texts), current and legacy
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
        "DistributionChannel", "UserLanguage", "Response Type", "Recorded Date",
        "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email",
        "External Data Reference", "Location Latitude", "Location Longitude",
        "Distribution Channel", "User Language", "ResponseSet", "Name",
        "ExternalDataReference", "EmailAddress", "LocationAccuracy",
        # Google Forms
        "Timestamp", "Email Address", "Score",
        # Microsoft Forms
        "ID", "Start time", "Completion time", "Email", "Last modified time",
        # SurveyMonkey ("Custom Data N" below)
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
        "First Name", "Last Name",
        # LimeSurvey: codes, full texts, participant (token) columns
        "id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate",
        "datestamp", "ipaddr", "refurl", "firstname", "lastname", "email",
        "Date submitted", "Last page", "Last page seen", "Start language", "Seed", "Token",
        "Access code", "Date started", "Date last action", "IP address", "Referrer URL",
        "Referring URL", "Email address",
    )
)  # fmt: skip
CUSTOM_DATA = re.compile(r"^customdata\d+$")
_LEGACY_TAG = re.compile(r"^V\d+$")
# LimeSurvey headings: a code (``obs``, ``obs[model1]``), optionally ". " and the text.
_LS_CODE = r"[A-Za-z][A-Za-z0-9_]*(?:\[[^\[\]]*\])*"
_LS_CODE_ONLY = re.compile(_LS_CODE)
_LS_CODE_TEXT = re.compile(rf"({_LS_CODE})\. (.+)", re.DOTALL)
_LS_BRACKET = re.compile(r"\[([^\[\]]*)\]")
_SM_GENERIC = frozenset({"response", "openendedresponse"})

#: Question wordings (compared after :func:`normalise_question`) that name the rated person
#: or the rater's relation to them, read as those canonical columns.
IDENTITY_QUESTIONS: dict[str, tuple[str, ...]] = {
    "ratee_id": (
        "Who are you giving feedback on?",
        "Who are you giving feedback to?",
        "Who are you giving feedback about?",
        "Who are you giving this feedback on?",
        "Who are you rating?",
        "Who are you rating today?",
        "Name of the person you are rating",
        "Name of the person you are giving feedback on",
        "Name of the person being rated",
        "Person being rated",
        "The person you are rating",
        "Person you are rating",
        "Person you are giving feedback on",
        "Participant ID",
        "Participant",
        "Ratee",
        "Ratee ID",
        "Leader being rated",
    ),
    "relation": (
        "How do you work with this person?",
        "How do you work with the person?",
        "What is your relationship to this person?",
        "What is your relationship to the person?",
        "What is your relationship to the person you are rating?",
        "Your relationship to the person",
        "Your relationship to this person",
        "Your relationship to the person you are rating",
        "Relationship to the person being rated",
        "Which best describes your relationship to this person?",
        "How do you know this person?",
        "In what capacity do you work with this person?",
        "Your working relationship with this person",
    ),
}

# Respondent and completion columns under canonical names, per layout: each canonical name
# and the tool columns it is copied from, in order of preference per row.
RESPONDENT_COLUMNS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "qualtrics": (
        ("rater_email", ("RecipientEmail",)),
        ("completed", ("Finished",)),
        ("progress", ("Progress",)),
        ("recorded_at", ("RecordedDate",)),
    ),
    "qualtrics_legacy": (
        ("rater_email", ("EmailAddress",)),
        ("rater_name", ("Name",)),
        ("completed", ("Finished",)),
        ("recorded_at", ("EndDate",)),
    ),
    "googleforms": (("rater_email", ("Email Address",)), ("recorded_at", ("Timestamp",))),
    "msforms": (
        ("rater_email", ("Email",)),
        ("rater_name", ("Name",)),
        ("recorded_at", ("Last modified time", "Completion time")),
    ),
    "surveymonkey": (("rater_email", ("Email Address",)), ("recorded_at", ("End Date",))),
    "limesurvey": (
        ("rater_email", ("email", "Email address")),
        ("submitted_at", ("submitdate", "Date submitted")),
        ("recorded_at", ("datestamp", "Date last action", "submitdate", "Date submitted")),
    ),
}
RESPONDENT_NAMES = frozenset(
    {"rater_email", "rater_name", "completed", "progress", "submitted_at", "recorded_at"}
)
# rater_name joined from a first and a last name column
NAME_PARTS: dict[str, tuple[str, str]] = {
    "qualtrics": ("RecipientFirstName", "RecipientLastName"),
    "surveymonkey": ("First Name", "Last Name"),
    "limesurvey": ("firstname", "lastname"),
}


def header_cell(value: Any) -> str:
    return "" if blank(value) else str(value).strip().lstrip("\ufeff")


def _limesurvey_code(heading: str) -> str:
    """The code part of a LimeSurvey heading (``obs[model1]. Text`` -> ``obs[model1]``)."""
    code_text = _LS_CODE_TEXT.fullmatch(heading)
    return code_text.group(1) if code_text else heading


_LS_CODE_HEADINGS = frozenset({"id", "submitdate", "lastpage", "startlanguage"})
_LS_TEXT_HEADINGS = frozenset({"responseid", "datesubmitted", "lastpage", "startlanguage"})


def detect_format(raw: pd.DataFrame) -> str:
    """The layout of a survey export read with ``header=None`` (see the module docstring)."""
    if raw.empty:
        return "wide"
    rows = [[header_cell(v) for v in raw.iloc[i]] for i in range(min(3, len(raw)))]
    first = rows[0]
    if len(rows) > 2 and any(v.startswith('{"ImportId"') for v in rows[2]):
        return "qualtrics"
    squashed = [squash(v) for v in first]
    second = {squash(v) for v in rows[1]} if len(rows) > 1 else set()
    if squashed and squashed[0] == "respondentid" and _SM_GENERIC & second:
        return "surveymonkey"
    if first and _LEGACY_TAG.match(first[0]) and {"responseid", "responseset"} & second:
        return "qualtrics_legacy"
    codes = {squash(_limesurvey_code(v)) for v in first}
    texts = {squash(v.split(". ", 1)[-1]) for v in first}
    if codes >= _LS_CODE_HEADINGS or (texts | set(squashed)) >= _LS_TEXT_HEADINGS:
        return "limesurvey"
    if {"starttime", "completiontime"} <= set(squashed) and "id" in squashed:
        return "msforms"
    if squashed and squashed[0] == "timestamp":
        return "googleforms"
    canonical = set(match_columns(pd.DataFrame(columns=first), Mapping()).columns)
    if {"item_id", "value"} <= canonical:
        return "long"
    return "wide"


@dataclass(frozen=True)
class Header:
    """What the header rows say about one column."""

    #: the column's name in notes and matches, and in the table for a tool column
    label: str
    #: header texts tried against the mapping, tool columns and canonical synonyms
    names: tuple[str, ...]
    #: wordings compared with item texts and comment prompts
    questions: tuple[str, ...]
    #: codes compared with item ids (besides ``names``)
    codes: tuple[str, ...] = ()


def column_headers(fmt: str, headers: list[list[str]], width: int) -> list[Header]:
    """One :class:`Header` per column, as the layout's header rows describe it."""
    rows = [row + [""] * (width - len(row)) for row in headers] or [[""] * width]
    out: list[Header] = []
    carried = ""  # SurveyMonkey: the heading over a matrix's first column
    for position in range(width):
        fallback = f"column {position + 1}"
        cells = [row[position] for row in rows]
        if fmt == "qualtrics":
            if len(cells) == 3:
                # The third row is JSON naming the question id; a mapping may use it.
                try:
                    cells[2] = str(json.loads(cells[2]).get("ImportId", ""))
                except (ValueError, AttributeError):
                    cells[2] = ""
            text = cells[1] if len(cells) > 1 else cells[0]
            label = next((n for n in cells if n), fallback)
            out.append(Header(label, tuple(n for n in cells if n), (text,)))
        elif fmt == "qualtrics_legacy":
            # Legacy tags (V1, V2 ...) say nothing; its text row names those columns better.
            text = cells[1] if len(cells) > 1 else ""
            usable = [n for n in cells if n and not _LEGACY_TAG.match(n)]
            label = usable[0] if usable else (cells[0] or fallback)
            out.append(Header(label, tuple(n for n in cells if n), (text,)))
        elif fmt == "surveymonkey":
            heading, below = cells[0], cells[1] if len(cells) > 1 else ""
            if heading:
                carried = heading
            elif not below:
                carried = ""
            row_text = below if below and squash(below) not in _SM_GENERIC else ""
            stem = heading or (carried if row_text else "")
            if row_text:
                label = f"{stem} - {row_text}" if stem else row_text
                out.append(Header(label, (label, row_text), (row_text, label)))
            else:
                out.append(Header(stem or fallback, (stem,) if stem else (), (stem,)))
        elif fmt == "limesurvey":
            heading = cells[0]
            code_text = _LS_CODE_TEXT.fullmatch(heading)
            if code_text:
                code, text = code_text.groups()
                codes = tuple(_LS_BRACKET.findall(code))
                out.append(Header(code, (heading, code, text), (text,), codes))
            else:
                codes = (
                    tuple(_LS_BRACKET.findall(heading)) if _LS_CODE_ONLY.fullmatch(heading) else ()
                )
                names = (heading,) if heading else ()
                out.append(Header(heading or fallback, names, (heading,), codes))
        else:
            heading = cells[0]
            out.append(Header(heading or fallback, (heading,) if heading else (), (heading,)))
    return out


def is_tool_column(names: tuple[str, ...]) -> bool:
    return any(squash(n) in TOOL_COLUMNS or CUSTOM_DATA.match(squash(n)) for n in names)
