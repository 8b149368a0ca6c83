"""Write the sample 360 exports of tests/ingest/data/tools/ and the truth they encode.

One small review (12 people of two organisations, 72 forms) is drawn with a fixed seed and
written in the layout of every survey tool colead reads; README.md beside this script
describes each file and where its layout comes from. Run it from the repository root:

    .venv/bin/python tests/ingest/data/tools/make_exports.py

The output is byte for byte the same on every run (the XLSX files carry fixed dates), so
the committed files can be checked against a fresh run.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import string
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from colead.framework import load_framework
from colead.framework.model import Framework, RatedUnit

HERE = Path(__file__).resolve().parent
SEED = 44001
FW: Framework = load_framework()
ITEMS = FW.items
PERSON_ITEMS = [
    i for f in FW.families if f.rates is RatedUnit.person for s in f.scales for i in s.items
]
SITE_ITEMS = [
    i for f in FW.families if f.rates is RatedUnit.site for s in f.scales for i in s.items
]
LEADERSHIP = [i for s in FW.family("leadership").scales for i in s.items]
MANAGEMENT = [i for s in FW.family("management").scales for i in s.items]
LABELS = {p.value: p.label for p in FW.response_scale.points}
NOT_OBSERVED = FW.response_scale.not_observed_label
COMMENTS = {c.id: c for c in FW.comments}
STRENGTHS, SUGGESTIONS = FW.comments[0], FW.comments[1]

OBSERVER_STEM = "How often does this person do the following?"
SELF_STEM = "How often do you do the following?"
SITE_STEM = "How often is each of the following true at your site?"

#: the relation label each layout's respondents pick (or that a link carries)
RELATION_LABELS: dict[str, dict[str, str]] = {
    "nominations": {
        "self": "Self",
        "manager": "Line manager",
        "peer": "Peer",
        "direct_report": "Direct report",
        "partner": "Partner organisation",
        "other": "Other",
    },
    "msforms": {
        "self": "This is my self-assessment",
        "manager": "Line manager",
        "peer": "Peer (same organisation)",
        "direct_report": "Direct report",
        "partner": "Partner organisation",
        "other": "Other",
    },
    "googleforms": {
        "self": "Self-assessment",
        "manager": "I am their line manager",
        "peer": "Colleague",
        "direct_report": "I report to this person",
        "partner": "Partner organisation",
        "other": "Other",
    },
    "surveymonkey": {
        "self": "Self-assessment",
        "manager": "Line manager",
        "peer": "Peer in my organisation",
        "direct_report": "Direct report",
        "partner": "From the partner organisation",
        "other": "Other",
    },
    # LimeSurvey's invitation link fills a hidden question with colead's own names.
    "limesurvey": {r: r for r in ("self", "manager", "peer", "direct_report", "partner", "other")},
}
RELATION_LABELS["qualtrics"] = RELATION_LABELS["nominations"]

GRADES = {1: "Director", 2: "Senior Manager", 3: "Manager", 4: "Team Leader", 5: "Front line"}


# --------------------------------------------------------------------------- the review


@dataclass(frozen=True)
class Person:
    person_id: str
    first: str
    last: str
    email: str
    organisation: str
    organisation_role: str
    site: str
    role_title: str
    level: int
    manager_id: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


NR, KE = "Northwind Rail", "Keystone Engineering"
NR_MAIL, KE_MAIL = "northwindrail.co.uk", "keystone-eng.com"
PEOPLE = [
    Person("NR01", "Zoë", "Brennan", f"zoe.brennan@{NR_MAIL}", NR, "client", "York HQ",
           "Operations Director", 1, ""),
    Person("NR02", "José", "Álvarez", f"jose.alvarez@{NR_MAIL}", NR, "client", "York HQ",
           "Head of Partnerships", 2, "NR01"),
    Person("NR03", "Siobhán", "O'Neill", f"siobhan.oneill@{NR_MAIL}", NR, "client",
           "Doncaster Depot", "Head of Fleet Maintenance", 2, "NR01"),
    Person("NR04", "Priya", "Natarajan", f"priya.natarajan@{NR_MAIL}", NR, "client", "York HQ",
           "Contracts Manager", 3, "NR02"),
    Person("NR05", "Tomasz", "Wiśniewski", f"tomasz.wisniewski@{NR_MAIL}", NR, "client",
           "Doncaster Depot", "Depot Team Leader", 4, "NR03"),
    Person("NR06", "Grace", "Okafor", f"grace.okafor@{NR_MAIL}", NR, "client", "Doncaster Depot",
           "Maintenance Technician", 5, "NR05"),
    Person("KE01", "Henrik", "Søndergaard", f"henrik.sondergaard@{KE_MAIL}", KE, "supplier",
           "Leeds Works", "Managing Director", 1, ""),
    Person("KE02", "Amélie", "Durand", f"amelie.durand@{KE_MAIL}", KE, "supplier", "Leeds Works",
           "Programme Director", 2, "KE01"),
    Person("KE03", "Ravi", "Mehta", f"ravi.mehta@{KE_MAIL}", KE, "supplier", "Leeds Works",
           "Project Manager", 3, "KE02"),
    Person("KE04", "Björn", "Lindqvist", f"bjorn.lindqvist@{KE_MAIL}", KE, "supplier",
           "Doncaster Site Office", "Site Manager", 3, "KE02"),
    Person("KE05", "Fatima", "Haddad", f"fatima.haddad@{KE_MAIL}", KE, "supplier",
           "Doncaster Site Office", "Site Team Leader", 4, "KE04"),
    Person("KE06", "Sam", "Carter", f"sam.carter@{KE_MAIL}", KE, "supplier", "Leeds Works",
           "Fitter", 5, "KE03"),
]  # fmt: skip
BY_ID = {p.person_id: p for p in PEOPLE}
FORMS_PER_PERSON = 6

STRENGTH_TEXTS = [
    "Always tells us early when a date will slip, which gives us time to re-plan.",
    'Runs the joint reviews well: clear agenda, honest numbers, no "blame game".',
    "Knows the depot team by name and listens to them.\nThat matters on night shifts.",
    "Speaks fairly about Keystone in our internal meetings, even when it costs us.",
    "Calm under pressure; during the signalling failure at Doncaster she kept both teams "
    "informed every hour.",
    "Gives credit to the partner's fitters in public – people notice.",
    "Explains the “why” behind decisions, not just the “what”.",
    "Happy to say \"I don't know, I'll find out\", and then actually finds out.",
    "Brings data to every discussion: defects, hours lost, cost per vehicle.",
    "Très bon contact with the Leeds engineers; they trust him.",
]
SUGGESTION_TEXTS = [
    "Could delegate more of the weekly reporting, so the team grows.",
    "Sometimes commits to dates before checking with the depot; a quick call first would help.",
    "Start the joint stand-up on time.\nStop cancelling it when things are busy — that's when "
    "we need it most.",
    "Share the contract KPIs with the whole team, not only the managers.",
    "Be more open about the budget constraints, so we can plan with them.",
    "Ask for the partner's view before deciding, not after (e.g. on the spares strategy).",
    "Fewer e-mails, more conversations.",
    'Put the "lessons learned" actions somewhere everyone can see them, and follow them up.',
    "Visit Leeds Works more often; the fitters rarely see anyone from Northwind Rail.",
]
SELF_STRENGTH_TEXTS = [
    "I keep the partner informed early, even when the news is bad.",
    "I try to make our joint meetings a place where problems can be raised safely.",
    "I know the contract well, and I explain it to my team in plain words.",
    "I'm good at bringing the two sites together – we share one risk log now.",
]
SELF_SUGGESTION_TEXTS = [
    "I should delegate more and stop re-checking my team's numbers.",
    "I need to spend more time at the depot, not only at York HQ.",
    "Listen first, then decide.\nI still jump to solutions too quickly.",
    "Ask Keystone's view on priorities before the monthly review, not during it.",
]


@dataclass
class Form:
    """One rater's feedback on one ratee, as the truth stores it."""

    ratee: Person
    rater: Person
    relation: str
    #: item id -> 1..5, "NO" (not observed) or None (skipped); only items asked on the form
    answers: dict[str, int | str | None]
    strengths: str | None
    suggestions: str | None
    started: datetime
    seconds: int
    status: str = "completed"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_self(self) -> bool:
        return self.relation == "self"

    @property
    def finished(self) -> datetime:
        return self.started + timedelta(seconds=self.seconds)


def _raters(rng: random.Random, ratee: Person) -> list[tuple[Person, str]]:
    """Self, line manager (another colleague for the top people), reports, peers, partners."""
    chosen: list[tuple[Person, str]] = [(ratee, "self")]
    used = {ratee.person_id}
    same = [p for p in PEOPLE if p.organisation == ratee.organisation]
    other_org = [p for p in PEOPLE if p.organisation != ratee.organisation]

    def by_closeness(pool: list[Person]) -> list[Person]:
        return sorted(pool, key=lambda p: (abs(p.level - ratee.level), rng.random()))

    if ratee.manager_id:
        chosen.append((BY_ID[ratee.manager_id], "manager"))
    else:
        # Nobody manages the top person: a colleague two levels down gives feedback instead.
        stakeholder = next(p for p in by_closeness(same) if p.level == ratee.level + 2)
        chosen.append((stakeholder, "other"))
    used |= {p.person_id for p, _ in chosen}
    for report in (p for p in PEOPLE if p.manager_id == ratee.person_id):
        chosen.append((report, "direct_report"))
        used.add(report.person_id)
    left = FORMS_PER_PERSON - len(chosen)
    partners = max(1, left // 2)
    peers = [p for p in by_closeness(same) if p.person_id not in used][: left - partners]
    chosen += [(p, "peer") for p in peers]
    chosen += [(p, "partner") for p in by_closeness(other_org)[: FORMS_PER_PERSON - len(chosen)]]
    assert len(chosen) == FORMS_PER_PERSON, (ratee.person_id, chosen)
    return chosen


_NOT_OBSERVED_RATE = {"manager": 0.03, "peer": 0.05, "direct_report": 0.04, "partner": 0.10,
                      "other": 0.08}  # fmt: skip


def _answers(rng: random.Random, relation: str, centre: float) -> dict[str, int | str | None]:
    """Realistic answers: mostly 3-5 around the ratee's centre, a few skips and "not observed"."""
    answers: dict[str, int | str | None] = {}
    asked = [*PERSON_ITEMS, *SITE_ITEMS] if relation == "self" else PERSON_ITEMS
    for item in asked:
        roll = rng.random()
        site = item in SITE_ITEMS
        not_observed = 0.04 if site else _NOT_OBSERVED_RATE.get(relation, 0.0)
        if roll < 0.03:
            answers[item.id] = None
        elif roll < 0.03 + not_observed:
            answers[item.id] = "NO"
        else:
            answers[item.id] = min(5, max(1, round(rng.gauss(centre, 0.8))))
    return answers


def build_forms(rng: random.Random) -> list[Form]:
    forms: list[Form] = []
    day0 = datetime(2024, 3, 4, 8, 0, 0)
    for ratee in PEOPLE:
        centre = rng.uniform(3.4, 4.3)
        for rater, relation in _raters(rng, ratee):
            lean = rng.gauss(0.0, 0.3) + (0.2 if relation == "self" else 0.0)
            answers = _answers(rng, relation, centre + lean)
            if relation == "self":
                pool_s, pool_g = SELF_STRENGTH_TEXTS, SELF_SUGGESTION_TEXTS
            else:
                pool_s, pool_g = STRENGTH_TEXTS, SUGGESTION_TEXTS
            strengths = rng.choice(pool_s) if rng.random() < 0.7 else None
            suggestions = rng.choice(pool_g) if rng.random() < 0.55 else None
            started = day0 + timedelta(
                days=rng.randrange(0, 15), hours=rng.randrange(0, 10), minutes=rng.randrange(60),
                seconds=rng.randrange(60),
            )  # fmt: skip
            seconds = rng.randrange(360, 1500)
            forms.append(
                Form(ratee, rater, relation, answers, strengths, suggestions, started, seconds)
            )
    forms.sort(key=lambda f: f.started)
    return forms


def unfinished_scenario(rng: random.Random, forms: list[Form]) -> tuple[list[Form], Form, Form]:
    """The review as stored when one form is still in progress and one was answered twice.

    Returns the stored forms, the earlier answer of the twice-answered form (superseded,
    not stored) and the in-progress form.
    """
    observers = [f for f in forms if not f.is_self]
    duplicated, unfinished = observers[10], observers[25]
    # The earlier answer differs in a few items and the comment; the later one is the truth.
    earlier_answers = dict(duplicated.answers)
    for item in rng.sample(list(earlier_answers), 8):
        value = earlier_answers[item]
        earlier_answers[item] = 3 if value != 3 else 2
    earlier = replace(
        duplicated,
        answers=earlier_answers,
        strengths="First go, sent by mistake before I had finished.",
        suggestions=None,
        started=duplicated.started - timedelta(days=2, hours=3),
    )
    # In progress: the rater stopped after about 40% of the questions (in survey order).
    asked = list(unfinished.answers)
    cut = int(len(asked) * 0.4)
    partial = {
        item: (unfinished.answers[item] if n < cut else None) for n, item in enumerate(asked)
    }
    in_progress = replace(
        unfinished, answers=partial, strengths=None, suggestions=None, status="in_progress"
    )
    stored = [in_progress if f is unfinished else f for f in forms]
    return stored, earlier, in_progress


# --------------------------------------------------------------------------- writing


def _csv_bytes(
    rows: Iterable[Sequence[Any]], *, bom: bool, crlf: bool, quote_all: bool = False
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    text = buffer.getvalue()
    return ("\ufeff" + text if bom else text).encode("utf-8")


def _write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


_FIXED_ZIP_TIME = (2024, 3, 25, 9, 0, 0)
_FIXED_STAMP = "2024-03-25T09:00:00Z"


def _save_workbook(book: Workbook, name: str) -> None:
    """Save with fixed dates inside and on the zip entries, so the bytes never change."""
    book.properties.creator = "Survey export"
    book.properties.created = datetime(2024, 3, 25, 9, 0, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rf"\g<1>{_FIXED_STAMP}\g<2>",
                    text,
                )
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
    _write(name, out.getvalue())


def _sheet(book: Workbook, title: str, rows: Iterable[Sequence[Any]]) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))


def _label(value: int | str | None) -> str | None:
    if value is None:
        return None
    return NOT_OBSERVED if value == "NO" else LABELS[int(value)]


def _ids(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def write_people() -> None:
    header = ["person_id", "name", "email", "organisation", "organisation_role", "site",
              "role_title", "level", "manager_id"]  # fmt: skip
    rows = [
        [p.person_id, p.name, p.email, p.organisation, p.organisation_role, p.site,
         p.role_title, p.level, p.manager_id]
        for p in PEOPLE
    ]  # fmt: skip
    _write("people.csv", _csv_bytes([header, *rows], bom=False, crlf=False))
    hr_header = ["Employee ID", "Full name", "Work email", "Company", "Location", "Job title",
                 "Grade", "Line manager ID"]  # fmt: skip
    hr_rows = [
        [p.person_id, p.name, p.email, p.organisation, p.site, p.role_title, GRADES[p.level],
         p.manager_id or None]
        for p in PEOPLE
    ]  # fmt: skip
    _write("hr-roster.csv", _csv_bytes([hr_header, *hr_rows], bom=True, crlf=True))
    book = Workbook()
    _sheet(book, "Employees", [hr_header, *hr_rows])
    _save_workbook(book, "hr-roster.xlsx")


def write_truth(forms: list[Form], suffix: str = "") -> None:
    answers = [["ratee_id", "rater_id", "relation", "item_id", "value"]]
    comments = [["ratee_id", "rater_id", "relation", "comment_strengths", "comment_suggestions"]]
    statuses = [["ratee_id", "rater_id", "relation", "status"]]
    for form in sorted(forms, key=lambda f: (f.ratee.person_id, f.rater.person_id)):
        key = [form.ratee.person_id, form.rater.person_id, form.relation]
        for item in ITEMS:
            value = form.answers.get(item.id)
            if value is not None:
                answers.append([*key, item.id, "not_observed" if value == "NO" else str(value)])
        comments.append([*key, form.strengths, form.suggestions])
        statuses.append([*key, form.status])
    _write(f"truth{suffix}.csv", _csv_bytes(answers, bom=False, crlf=False))
    _write(f"truth{suffix}-comments.csv", _csv_bytes(comments, bom=False, crlf=False))
    _write(f"truth{suffix}-forms.csv", _csv_bytes(statuses, bom=False, crlf=False))


def write_relation_labels() -> None:
    """The relation label of every layout, for tests and for a mapping's 'relations:'."""
    layouts = ["nominations", "qualtrics", "msforms", "googleforms", "surveymonkey", "limesurvey"]
    rows = [["relation", *layouts]]
    for relation in RELATION_LABELS["nominations"]:
        rows.append([relation, *(RELATION_LABELS[layout][relation] for layout in layouts)])
    _write("relation-labels.csv", _csv_bytes(rows, bom=False, crlf=False))


def write_numeric_mapping() -> None:
    _write(
        "qualtrics-numeric-mapping.yaml",
        b"# qualtrics-numeric.csv recodes 'Not observed' as 6, past the 1-5 scale.\n"
        b"values:\n"
        b'  "6": not observed\n',
    )


def write_nominations(forms: list[Form]) -> None:
    labels = RELATION_LABELS["nominations"]
    rows = [["Participant ID", "Participant name", "Rater name", "Rater email", "Relationship"]]
    for form in sorted(forms, key=lambda f: (f.ratee.person_id, f.rater.person_id)):
        rows.append([form.ratee.person_id, form.ratee.name, form.rater.name, form.rater.email,
                     labels[form.relation]])  # fmt: skip
    _write("nominations-consultant.csv", _csv_bytes(rows, bom=True, crlf=True))


# ------------------------------------------------------------------------------ Qualtrics

_QUALTRICS_META = [
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "Europe/London"}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "Europe/London"}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "Europe/London"}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
]
_SITE_PLACES = {"York HQ": ("53.9591", "-1.0815"), "Doncaster Depot": ("53.5228", "-1.1285"),
                "Leeds Works": ("53.7997", "-1.5492"),
                "Doncaster Site Office": ("53.5153", "-1.1339")}  # fmt: skip


@dataclass(frozen=True)
class _Question:
    """One export column of a question: tag (Qualtrics) / code, text, item or comment id."""

    tag: str
    text: str
    import_id: str
    target: str  # item id or comment id
    self_form: bool  # asked on the self form (True) or the observer form (False)
    both: bool = False  # asked on both forms (one block for everyone)


def _qualtrics_questions(self_block: bool) -> list[_Question]:
    questions: list[_Question] = []

    def matrix(number: int, stem: str, items: list[Any], wording: str, self_form: bool,
               both: bool = False) -> None:  # fmt: skip
        for n, item in enumerate(items, start=1):
            text = getattr(item, wording) or item.text
            questions.append(
                _Question(f"Q{number}_{n}", f"{stem} - {text}", f"QID{number}_{n}", item.id,
                          self_form, both)
            )  # fmt: skip

    def comment(number: int, prompt: str, target: str, self_form: bool, both: bool = False) -> None:
        questions.append(_Question(f"Q{number}", prompt, f"QID{number}_TEXT", target, self_form,
                                   both))  # fmt: skip

    both = not self_block
    matrix(1, OBSERVER_STEM, LEADERSHIP, "text", False, both)
    matrix(2, OBSERVER_STEM, MANAGEMENT, "text", False, both)
    if self_block:
        comment(4, STRENGTHS.prompt, STRENGTHS.id, False)
        comment(5, SUGGESTIONS.prompt, SUGGESTIONS.id, False)
        matrix(11, SELF_STEM, LEADERSHIP, "self_text", True)
        matrix(12, SELF_STEM, MANAGEMENT, "self_text", True)
        matrix(3, SITE_STEM, SITE_ITEMS, "text", True)
        comment(14, STRENGTHS.self_prompt or "", STRENGTHS.id, True)
        comment(15, SUGGESTIONS.self_prompt or "", SUGGESTIONS.id, True)
    else:
        matrix(3, SITE_STEM, SITE_ITEMS, "text", True)
        comment(4, STRENGTHS.prompt, STRENGTHS.id, False, both)
        comment(5, SUGGESTIONS.prompt, SUGGESTIONS.id, False, both)
    return questions


def _qualtrics_value(form: Form, question: _Question, numeric: bool) -> Any:
    if not question.both and question.self_form != form.is_self:
        return None
    if question.target == STRENGTHS.id:
        return form.strengths
    if question.target == SUGGESTIONS.id:
        return form.suggestions
    value = form.answers.get(question.target)
    if numeric:
        return None if value is None else (6 if value == "NO" else value)
    return _label(value)


def write_qualtrics(
    rng: random.Random,
    rows: list[tuple[Form, dict[str, Any]]],
    name: str,
    *,
    self_block: bool = False,
    numeric: bool = False,
) -> None:
    questions = _qualtrics_questions(self_block)
    tags = (
        [m[0] for m in _QUALTRICS_META] + [q.tag for q in questions] + ["RateeID", "Relationship"]
    )
    texts = [m[1] for m in _QUALTRICS_META] + [q.text for q in questions]
    texts += ["RateeID", "Relationship"]
    imports = [json.dumps(m[2], separators=(",", ":")) for m in _QUALTRICS_META]
    imports += [json.dumps({"ImportId": q.import_id}, separators=(",", ":")) for q in questions]
    imports += ['{"ImportId":"RateeID"}', '{"ImportId":"Relationship"}']
    table: list[list[Any]] = [tags, texts, imports]
    labels = RELATION_LABELS["qualtrics"]
    for form, extra in rows:
        finished = extra.get("finished", True)
        progress = extra.get("progress", 100)
        recorded = extra.get("recorded", form.finished)
        latitude, longitude = _SITE_PLACES[form.rater.site]
        meta = [
            form.started.strftime("%Y-%m-%d %H:%M:%S"),
            (recorded if not finished else form.finished).strftime("%Y-%m-%d %H:%M:%S"),
            0 if numeric else "IP Address",
            f"203.0.113.{rng.randrange(2, 250)}",
            progress,
            int((recorded - form.started).total_seconds()) if not finished else form.seconds,
            (1 if finished else 0) if numeric else ("True" if finished else "False"),
            recorded.strftime("%Y-%m-%d %H:%M:%S"),
            "R_" + _ids(rng, 15),
            form.rater.last,
            form.rater.first,
            form.rater.email,
            None,
            latitude,
            longitude,
            "email",
            "EN-GB",
        ]
        answers = [_qualtrics_value(form, q, numeric) for q in questions]
        table.append([*meta, *answers, form.ratee.person_id, labels[form.relation]])
    _write(name, _csv_bytes(table, bom=True, crlf=True))


# ------------------------------------------------------------------------ Microsoft Forms

_MS_RATEE_BY_NAME = "Who are you giving feedback on?"
_MS_RATEE_BY_ID = "Participant ID"
_MS_RELATION = "How do you work with this person?"


def _ms_questions() -> list[_Question]:
    """Branching form: observers get one section, the self-assessment another."""
    out = [_Question("", i.text, "", i.id, False) for i in PERSON_ITEMS]
    out += [
        _Question("", STRENGTHS.prompt, "", STRENGTHS.id, False),
        _Question("", SUGGESTIONS.prompt, "", SUGGESTIONS.id, False),
    ]
    out += [_Question("", i.self_text or i.text, "", i.id, True) for i in PERSON_ITEMS]
    out += [_Question("", i.text, "", i.id, True) for i in SITE_ITEMS]
    out += [
        _Question("", STRENGTHS.self_prompt or "", "", STRENGTHS.id, True),
        _Question("", SUGGESTIONS.self_prompt or "", "", SUGGESTIONS.id, True),
    ]
    return out


def write_msforms(rng: random.Random, forms: list[Form], name: str, *, by_id: bool) -> None:
    questions = _ms_questions()
    ratee_question = _MS_RATEE_BY_ID if by_id else _MS_RATEE_BY_NAME
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
              ratee_question, _MS_RELATION, *(q.text for q in questions)]  # fmt: skip
    labels = RELATION_LABELS["msforms"]
    table: list[list[Any]] = [header]
    for number, form in enumerate(forms, start=1):
        # A few raters came back and edited their answers later.
        edited = form.finished + timedelta(days=1, minutes=rng.randrange(600))
        modified = edited if rng.random() < 0.1 else None
        ratee = form.ratee.person_id if by_id else form.ratee.name
        answers = [_qualtrics_value(form, q, numeric=False) for q in questions]
        table.append([number, form.started, form.finished, form.rater.email, form.rater.name,
                      modified, ratee, labels[form.relation], *answers])  # fmt: skip
    book = Workbook()
    _sheet(book, "Sheet1", table)
    _save_workbook(book, name)


# --------------------------------------------------------------------------- Google Forms

_GOOGLE_RATEE = "Who are you giving feedback to?"
_GOOGLE_RELATION = "What is your relationship to this person?"


def write_googleforms(forms: list[Form]) -> None:
    # Grid questions are exported as "Question [Row]"; the sections are those of the MS form.
    site_ids = {i.id for i in SITE_ITEMS}
    out: list[_Question] = []
    for q in _ms_questions():
        if q.target in FW.item_ids:
            stem = (
                SITE_STEM if q.target in site_ids else SELF_STEM if q.self_form else OBSERVER_STEM
            )
            q = replace(q, text=f"{stem} [{q.text}]")
        out.append(q)
    header = ["Timestamp", "Email Address", _GOOGLE_RATEE, _GOOGLE_RELATION, *(q.text for q in out)]
    labels = RELATION_LABELS["googleforms"]
    table: list[list[Any]] = [header]
    for form in sorted(forms, key=lambda f: f.finished):
        stamp = f"{form.finished.month}/{form.finished.day}/{form.finished.year} " + (
            form.finished.strftime("%H:%M:%S")
        )
        answers = [_qualtrics_value(form, q, numeric=False) for q in out]
        table.append([stamp, form.rater.email, form.ratee.name, labels[form.relation], *answers])
    _write("googleforms.csv", _csv_bytes(table, bom=False, crlf=True))


# --------------------------------------------------------------------------- SurveyMonkey

_SM_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
            "Email Address", "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
_SM_RATEE = "Name of the person you are rating"
_SM_RELATION = "Your relationship to this person"


def write_surveymonkey(rng: random.Random, forms: list[Form]) -> None:
    first = [*_SM_META, _SM_RATEE, _SM_RELATION]
    second: list[Any] = [None] * len(_SM_META) + ["Response", "Response"]
    columns: list[_Question] = []

    def matrix(stem: str, items: list[Any], wording: str, self_form: bool) -> None:
        for n, item in enumerate(items):
            first.append(stem if n == 0 else None)
            text = getattr(item, wording) or item.text
            second.append(text)
            columns.append(_Question("", text, "", item.id, self_form))

    def comment(prompt: str, target: str, self_form: bool) -> None:
        first.append(prompt)
        second.append("Open-Ended Response")
        columns.append(_Question("", prompt, "", target, self_form))

    matrix(OBSERVER_STEM, PERSON_ITEMS, "text", False)
    comment(STRENGTHS.prompt, STRENGTHS.id, False)
    comment(SUGGESTIONS.prompt, SUGGESTIONS.id, False)
    matrix(SELF_STEM, PERSON_ITEMS, "self_text", True)
    matrix(SITE_STEM, SITE_ITEMS, "text", True)
    comment(STRENGTHS.self_prompt or "", STRENGTHS.id, True)
    comment(SUGGESTIONS.self_prompt or "", SUGGESTIONS.id, True)
    labels = RELATION_LABELS["surveymonkey"]
    collector = 431872650
    rows: list[tuple[list[Any], list[Any]]] = []
    respondent = 114829300117
    for form in sorted(forms, key=lambda f: f.finished):
        respondent += rng.randrange(3, 400)
        meta_csv = [respondent, collector, _sm_date(form.started), _sm_date(form.finished), None,
                    form.rater.email, form.rater.first, form.rater.last, None]  # fmt: skip
        meta_xlsx = [respondent, collector, form.started, form.finished, *meta_csv[4:]]
        answers = [_qualtrics_value(form, q, numeric=False) for q in columns]
        tail = [form.ratee.name, labels[form.relation], *answers]
        rows.append(([*meta_csv, *tail], [*meta_xlsx, *tail]))
    _write("surveymonkey.csv", _csv_bytes([first, second, *(r[0] for r in rows)], bom=True,
                                          crlf=True))  # fmt: skip
    book = Workbook()
    _sheet(book, "Sheet", [first, second, *(r[1] for r in rows)])
    _save_workbook(book, "surveymonkey.xlsx")


def _sm_date(moment: datetime) -> str:
    """SurveyMonkey's US-style date and time: 03/05/2024 10:15:22 AM."""
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


# ------------------------------------------------------------------------------ LimeSurvey

_LS_META = [
    ("id", "Response ID"),
    ("submitdate", "Date submitted"),
    ("lastpage", "Last page"),
    ("startlanguage", "Start language"),
    ("seed", "Seed"),
    ("token", "Access code"),
    ("startdate", "Date started"),
    ("datestamp", "Date last action"),
]
_LS_TOKEN = [("firstname", "First name"), ("lastname", "Last name"), ("email", "Email address")]
_LS_RATEE = ("ratee", "Person being rated")
_LS_RELATION = ("relation", "Your relationship to the person")


def _ls_questions() -> list[tuple[_Question, str]]:
    """Question columns with their code heading (``obs[model1]``) and full heading."""
    out: list[tuple[_Question, str]] = []

    def array(code: str, stem: str, items: list[Any], wording: str, self_form: bool) -> None:
        for item in items:
            text = getattr(item, wording) or item.text
            sub = item.id.replace("_", "")
            question = _Question(f"{code}[{sub}]", f"{stem} [{text}]", "", item.id, self_form)
            out.append((question, question.tag))

    def comment(code: str, prompt: str, target: str, self_form: bool) -> None:
        out.append((_Question(code, prompt, "", target, self_form), code))

    array("obs", OBSERVER_STEM, PERSON_ITEMS, "text", False)
    comment("obsstr", STRENGTHS.prompt, STRENGTHS.id, False)
    comment("obssug", SUGGESTIONS.prompt, SUGGESTIONS.id, False)
    array("self", SELF_STEM, PERSON_ITEMS, "self_text", True)
    array("site", SITE_STEM, SITE_ITEMS, "text", True)
    comment("selfstr", STRENGTHS.self_prompt or "", STRENGTHS.id, True)
    comment("selfsug", SUGGESTIONS.self_prompt or "", SUGGESTIONS.id, True)
    return out


def write_limesurvey(
    rng: random.Random, rows: list[tuple[Form, dict[str, Any]]], name: str, *, codes: bool
) -> None:
    """``codes``: question code & question text headings with answer codes; else full text."""
    questions = _ls_questions()
    pairs = [*_LS_META, _LS_RATEE, _LS_RELATION, *((q.tag, q.text) for q, _ in questions),
             *_LS_TOKEN]  # fmt: skip
    header = [f"{code}. {text}" if codes else text for code, text in pairs]
    table: list[list[Any]] = [header]
    for number, (form, extra) in enumerate(rows, start=1):
        submitted = extra.get("submitted", True)
        last_action = extra.get("recorded", form.finished)
        stamp = "%Y-%m-%d %H:%M:%S"
        meta = [
            number,
            last_action.strftime(stamp) if submitted else None,
            3 if submitted else 1,
            "en",
            rng.randrange(10**8, 10**9),
            _ids(rng, 15),
            form.started.strftime(stamp),
            last_action.strftime(stamp),
            form.ratee.person_id,
            RELATION_LABELS["limesurvey"][form.relation],
        ]
        answers: list[Any] = []
        for question, _ in questions:
            value = _qualtrics_value(form, question, numeric=codes)
            if codes and value == 6:
                value = "NO"
            answers.append(value)
        token = [form.rater.first, form.rater.last, form.rater.email]
        table.append([*meta, *answers, *token])
    # LimeSurvey quotes every field, ends lines with CRLF and adds an empty line at the end.
    _write(name, _csv_bytes(table, bom=True, crlf=True, quote_all=True) + b"\r\n")


# ---------------------------------------------------------------------------------- main


def main() -> None:
    rng = random.Random(SEED)
    forms = build_forms(rng)
    assert len(forms) == len(PEOPLE) * FORMS_PER_PERSON
    assert len({(f.ratee.person_id, f.rater.person_id) for f in forms}) == len(forms)
    write_people()
    write_truth(forms)
    write_nominations(forms)
    write_relation_labels()
    write_numeric_mapping()
    plain = [(f, {}) for f in forms]
    write_qualtrics(rng, plain, "qualtrics-text.csv")
    write_qualtrics(rng, plain, "qualtrics-self-block.csv", self_block=True)
    write_qualtrics(rng, plain, "qualtrics-numeric.csv", numeric=True)
    write_msforms(rng, forms, "msforms-by-name.xlsx", by_id=False)
    write_msforms(rng, forms, "msforms-by-id.xlsx", by_id=True)
    write_googleforms(forms)
    write_surveymonkey(rng, forms)
    write_limesurvey(rng, plain, "limesurvey-codes.csv", codes=True)
    write_limesurvey(rng, plain, "limesurvey-text.csv", codes=False)

    stored, earlier, in_progress = unfinished_scenario(rng, forms)
    write_truth(stored, "-unfinished")
    closed = in_progress.started + timedelta(days=7)
    rows: list[tuple[Form, dict[str, Any]]] = []
    for form in stored:
        if form is in_progress:
            rows.append((form, {"finished": False, "progress": 40, "recorded": closed,
                                "submitted": False}))  # fmt: skip
        else:
            rows.append((form, {}))
    # The superseded answer sits where it was recorded: before the later one.
    later = next(n for n, (f, _) in enumerate(rows) if f.ratee is earlier.ratee
                 and f.rater is earlier.rater)  # fmt: skip
    rows.insert(max(0, later - 5), (earlier, {}))
    write_qualtrics(rng, rows, "qualtrics-unfinished.csv")
    write_limesurvey(rng, rows, "limesurvey-unfinished.csv", codes=True)


if __name__ == "__main__":
    main()
