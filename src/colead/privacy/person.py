"""Privacy operations on one person: export everything stored about them, or erase them.

Export gives the person what they wrote (their forms as a rater, reactions, plans) in
full, and what others said about them only as the reports show it: scores per rater
group after anonymity folding, comments unattributed and only from enough observers.

Erasure removes the identity and everything *about* the person, but keeps the answers they
gave *about others* (without their comments) so that nobody else's results change; the
person row then stays as an anonymous rater with only the organisation, site and level
the grouping needs. ``delete_ratings`` removes those answers and the row as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead import __version__
from colead.analysis.disclosure import comment_forms, decide_disclosure
from colead.analysis.scoring import person_scale_scores, scale_index, score_forms
from colead.domain import BLANK, NOT_OBSERVED
from colead.framework import Framework, RatedUnit
from colead.ingest.uploads import remove_uploads, review_uploads
from colead.store import person_export as export_rows
from colead.store import privacy as store
from colead.store import transaction
from colead.store.reviews import audit, get_review, load_framework_version
from colead.store.schema import AuditEntry, Person, Review, utcnow

__all__ = [
    "ERASED_TEXT",
    "EXPORT_SECTIONS",
    "UPLOADS_RULE",
    "Erasure",
    "erase_person",
    "export_json",
    "export_person",
]

#: what a quoted name or e-mail address of an erased person becomes
ERASED_TEXT = "[erased]"
#: the sections of an export, and the tables each draws on (see ``store.privacy``)
EXPORT_SECTIONS: dict[str, tuple[str, ...]] = {
    "person": ("person",),
    "forms_as_rater": ("assignment", "response"),
    "feedback_received": ("assignment", "response"),
    "enrolments": ("enrolment", "programme_reaction"),
    "development_plans": ("development_plan", "action"),
    "nominations": ("nomination",),
    "participant_links": ("participant_link",),
    "mail": ("mail_event",),
    "audit": ("audit_log",),
}
#: detail fields of an audit entry that would say who rated the person
_RATER_FIELDS = ("rater_id", "rater", "rater_name", "rater_email", "assignment_id")


# --- export --------------------------------------------------------------------------------


def export_person(
    engine: Engine, review: str, person: str, *, minimum: int, actor: str
) -> dict[str, Any]:
    """Everything stored about one person of a review, as one JSON-ready document.

    Parameters
    ----------
    engine
        The colead database.
    review
        Name of the review.
    person
        The person's external id, or their e-mail address.
    minimum
        Anonymity minimum applied to the feedback they received.
    actor
        Who asked, for the audit log (the export is recorded there).

    Raises
    ------
    ReviewNotFound, UnknownPerson
        When the review or the person does not exist.
    """
    with transaction(engine) as session:
        target = get_review(session, review)
        row = store.find_person(session, target, person)
        versions: dict[int, Framework] = {}

        def framework(version_id: int) -> Framework:
            if version_id not in versions:
                versions[version_id] = load_framework_version(session, version_id)
            return versions[version_id]

        document = {
            "format": "colead person export",
            "format_version": 1,
            "colead_version": __version__,
            "generated_at": utcnow(),
            "review": target.name,
            "anonymity_minimum": minimum,
            "person": export_rows.person_record(session, row),
            "forms_as_rater": [
                _own_form(f, framework) for f in export_rows.rater_forms(session, row)
            ],
            "feedback_received": [
                _feedback(wave, framework(version), forms, row.external_id, minimum)
                for wave, version, forms in export_rows.forms_about(session, row)
            ],
            "enrolments": export_rows.enrolment_rows(session, row),
            "development_plans": export_rows.plan_rows(session, row),
            "nominations": export_rows.nomination_rows(session, row),
            "participant_links": export_rows.participant_link_rows(session, row),
            "mail": export_rows.mail_rows(session, row),
            "audit": _audit_about(store.audit_entries(session, target.id), row),
        }
        audit(session, actor, "privacy_export", "person", row.id, review_id=target.id)
    plain: dict[str, Any] = _plain(document)
    return plain


def export_json(document: dict[str, Any]) -> str:
    """The export as indented UTF-8 JSON text (non-ASCII names kept as they are)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _own_form(form: dict[str, Any], framework: Callable[[int], Framework]) -> dict[str, Any]:
    packed = form.pop("item_values")
    version = form.pop("framework_version_id")
    answers = None
    if packed is not None:
        items = framework(version).item_ids
        codes = np.frombuffer(packed, dtype=np.int8).tolist()
        answers = {item: _answer(code) for item, code in zip(items, codes, strict=False)}
        answers = {item: value for item, value in answers.items() if value is not None}
    return {**form, "answers": answers}


def _answer(code: int) -> int | str | None:
    if code == NOT_OBSERVED:
        return "not observed"
    return None if code == BLANK else code


def _feedback(
    wave: str,
    framework: Framework,
    forms: list[tuple[int, str, bytes, str | None, str | None]],
    person_id: str,
    minimum: int,
) -> dict[str, Any]:
    """One wave's feedback as the person's own report shows it: folded group scores."""
    codes = np.frombuffer(b"".join(f[2] for f in forms), dtype=np.int8)
    codes = codes.reshape(len(forms), len(framework.item_ids))
    item_scale, scale_ids = scale_index(framework)
    scores = score_forms(codes, item_scale, len(scale_ids), framework.min_answered_fraction)[0]
    responses = pd.DataFrame(
        {
            "ratee_id": person_id,
            "rater_id": [str(f[0]) for f in forms],
            "relation": [f[1] for f in forms],
        }
    )
    # the site-rated scales describe the rater's site, not the person: as in the analysis
    person_scales = [
        s.id for f in framework.families if f.rates is RatedUnit.person for s in f.scales
    ]
    columns = [scale_ids.index(s) for s in person_scales]
    disclosure = decide_disclosure(responses, scores[:, columns], minimum)
    table = person_scale_scores(responses, scores[:, columns], person_scales, minimum, disclosure)[
        0
    ]
    # the comment rule of the person's own report: shown groups only, manager aside
    allowed = comment_forms(disclosure.labels, minimum)
    observers = [f for f, ok in zip(forms, allowed, strict=True) if ok]
    comments: dict[str, Any]
    if observers:
        # sorted, so the order of the forms (and so of the raters) cannot be read from it
        comments = {
            "strengths": sorted(t for f in observers if (t := f[3])),
            "suggestions": sorted(t for f in observers if (t := f[4])),
        }
    else:
        comments = {
            "withheld": f"fewer than {minimum} observers besides the line manager "
            "answered in groups that are shown"
        }
    return {
        "wave": wave,
        "scores": [
            {
                "scale_id": r["scale_id"],
                "group": r["group"],
                "n_raters": int(r["n_raters"]),
                "mean": round(float(r["mean"]), 3),
            }
            for r in table.sort_values(["scale_id", "group"]).to_dict("records")
        ],
        "comments_from_others": comments,
    }


def _audit_about(entries: Any, person: Person) -> list[dict[str, Any]]:
    """The audit entries that name the person, without who rated them."""
    needles = _Needles(person)
    found = []
    for entry in entries:
        if not needles.about(entry):
            continue
        detail = dict(entry.detail or {})
        if detail.get("ratee_id") in (person.external_id, person.id):
            for field in _RATER_FIELDS:
                if field in detail:
                    detail[field] = "(withheld)"
        found.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "entity": entry.entity,
                "entity_id": entry.entity_id,
                "detail": detail or None,
            }
        )
    return found


class _Needles:
    """Recognises a person's identifiers in audit entries and free text."""

    def __init__(self, person: Person) -> None:
        self.pk = person.id
        self.external_id = person.external_id
        self.actor = f"participant:{person.external_id}"
        self.words = [w for w in (person.name, person.email, person.external_id) if w]
        quoted = [re.escape(w) for w in (person.name, person.email) if w]
        # whole words only, so a short name does not eat into other words (lookarounds
        # rather than \b: a name may begin or end with a character that is not a letter)
        joined = "|".join(quoted)
        self.pattern = re.compile(rf"(?<!\w)(?:{joined})(?!\w)", re.I) if quoted else None

    def quoted(self, text: str) -> bool:
        return bool(self.pattern and self.pattern.search(text))

    def about(self, entry: AuditEntry) -> bool:
        if entry.entity == "person" and entry.entity_id == self.pk:
            return True
        if entry.actor == self.actor or self.quoted(entry.actor):
            return True
        return self._in(entry.detail)

    def _in(self, value: Any, key: str = "") -> bool:
        if isinstance(value, dict):
            return any(self._in(v, str(k)) for k, v in value.items())
        if isinstance(value, list):
            return any(self._in(v, key) for v in value)
        if isinstance(value, str):
            return value == self.external_id or self.quoted(value)
        return isinstance(value, int) and key.endswith("person_id") and value == self.pk

    def scrub(self, value: Any, replacement_id: str) -> Any:
        """``value`` with the name and e-mail replaced and the external id swapped."""
        if isinstance(value, dict):
            return {k: self.scrub(v, replacement_id) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v, replacement_id) for v in value]
        if isinstance(value, str):
            if value == self.external_id:
                return replacement_id
            if value == self.actor:
                return f"participant:{replacement_id}"
            return self.pattern.sub(ERASED_TEXT, value) if self.pattern else value
        return value


def _plain(value: Any) -> Any:
    """Dates and times as ISO 8601 text (times in UTC), everything else as it is."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        at = value if value.tzinfo else value.replace(tzinfo=UTC)
        return at.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- erasure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What erasing a person did; ``person_id`` is the anonymous id they now have (None
    when the row itself was deleted)."""

    review: str
    person_key: int
    person_id: str | None
    deleted_ratings: bool
    rows: dict[str, int]
    texts_scrubbed: int
    audit_entries_scrubbed: int
    #: files uploaded in the console for the review, all removed (see ``erase_person``)
    uploads_removed: int = 0


#: what the erasure does with the console's uploads, for its output and the audit log
UPLOADS_RULE = "every upload of the review, since uploaded files are not searched for the person"


def erase_person(
    engine: Engine,
    review: str,
    person: str,
    *,
    delete_ratings: bool,
    actor: str,
    data_dir: Path,
) -> Erasure:
    """Erase one person of a review, in one transaction (all of it or nothing).

    The review's files uploaded in the console (people lists, answers, bounce reports and
    their rejected rows, in ``data_dir``) are removed too, all of them: they are copies of
    what was imported, and searching them for the person is not reliable (CSV in several
    encodings, XLSX, MIME-encoded mail, a name in a comment), so a file that quotes the
    person could be missed.

    Parameters
    ----------
    engine
        The colead database.
    review
        Name of the review.
    person
        The person's external id, or their e-mail address.
    delete_ratings
        Also delete the forms they filled in about others, and then the person row itself.
        By default those answers stay (without comments) so that others' results do not
        change.
    actor
        Who asked, for the audit log.
    data_dir
        The data folder of the console's uploads (``COLEAD_DATA_DIR``).

    Raises
    ------
    ReviewNotFound, UnknownPerson
        When the review or the person does not exist (nothing is changed).
    OutputError
        When an uploaded file cannot be deleted (nothing in the database is changed).
    """
    with transaction(engine) as session:
        target = get_review(session, review)
        row = store.find_person(session, target, person)
        store.overwrite_deleted_content(session)
        needles = _Needles(row)
        counts = store.ErasedRows()
        store.delete_about(session, row, counts)
        if delete_ratings:
            counts.ratings_deleted = store.count_rater_forms(session, row)
        else:
            store.keep_ratings_anonymously(session, row, counts)
        replacement = f"erased-{row.id}" if delete_ratings else store.erase_identity(session, row)
        texts = _scrub_texts(session, target, needles, replacement)
        entries = _scrub_audit(session, target, needles, replacement)
        key = row.id
        if delete_ratings:
            store.delete_person(session, row)
        # inside the transaction: a file that cannot be deleted leaves the person as well
        uploads = remove_uploads(review_uploads(data_dir, target.name))
        audit(
            session,
            actor,
            "privacy_erase",
            "person",
            key,
            review_id=target.id,
            delete_ratings=delete_ratings,
            uploads_removed=uploads,
            uploads_rule=UPLOADS_RULE,
            **asdict(counts),
        )
    return Erasure(
        review=target.name,
        person_key=key,
        person_id=None if delete_ratings else replacement,
        deleted_ratings=delete_ratings,
        rows=asdict(counts),
        texts_scrubbed=texts,
        audit_entries_scrubbed=entries,
        uploads_removed=uploads,
    )


def _scrub_texts(session: Session, review: Review, needles: _Needles, replacement: str) -> int:
    """Replace the person's name and e-mail wherever others' free text quotes them."""
    changed = 0
    for target in store.scrub_targets(review.id):
        # the store picks the rows by substring; the whole-word pattern then decides
        for row_id, text in store.rows_quoting(session, target, needles.words):
            cleaned = needles.scrub(text, replacement)
            if cleaned != text:
                store.set_text(session, target, row_id, cleaned)
                changed += 1
    return changed


def _scrub_audit(session: Session, review: Review, needles: _Needles, replacement: str) -> int:
    """Remove the person's name and e-mail from the review's audit log, keeping each entry;
    their external id becomes the anonymous one, so the trail still hangs together."""
    changed = 0
    for entry in store.audit_entries(session, review.id):
        actor = needles.scrub(entry.actor, replacement)
        detail = needles.scrub(entry.detail, replacement)
        if actor != entry.actor or detail != entry.detail:
            entry.actor, entry.detail = actor, detail
            changed += 1
    session.flush()
    return changed
