"""A review's own wording of its letters: show, save (checked), reset, preview. Audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from colead.mail.wording import (
    LetterKind,
    Rendered,
    Wording,
    check_wording,
    letter_kind,
    packaged_wording,
    render_wording,
)
from colead.store.mail import delete_wording, review_wordings, save_wording
from colead.store.reviews import audit, get_review
from colead.store.schema import utcnow


@dataclass(frozen=True)
class KindWording:
    """The wording one kind of letter of a review uses now."""

    kind: LetterKind
    wording: Wording
    customised: bool
    updated_at: datetime | None
    updated_by: str | None

    def preview(self) -> Rendered:
        """The letter rendered with the kind's sample data."""
        return render_wording(self.kind.name, self.wording, self.kind.sample)


def wording_of(session: Session, review_name: str, kind: str) -> KindWording:
    """The review's own wording of ``kind``, else the packaged one."""
    spec = letter_kind(kind)
    review = get_review(session, review_name)
    own = review_wordings(session, review.id).get(kind)
    if own is None:
        return KindWording(spec, packaged_wording(kind), False, None, None)
    wording = Wording(own.subject, own.body_text, own.body_html, f"the review's {kind} wording")
    return KindWording(spec, wording, True, own.updated_at, own.updated_by)


def save_review_wording(
    session: Session, review_name: str, kind: str, wording: Wording, *, actor: str
) -> KindWording:
    """Check and store the review's wording of ``kind``; InvalidData says what to fix."""
    tidy = check_wording(kind, wording)
    review = get_review(session, review_name)
    replaced = save_wording(
        session,
        review.id,
        kind,
        subject=tidy.subject,
        body_text=tidy.text,
        body_html=tidy.html,
        actor=actor,
        at=utcnow(),
    )
    audit(
        session,
        actor,
        "set_mail_template",
        "review",
        review.id,
        review_id=review.id,
        kind=kind,
        replaced=replaced,
        html=tidy.html is not None,
    )
    return wording_of(session, review_name, kind)


def reset_review_wording(session: Session, review_name: str, kind: str, *, actor: str) -> bool:
    """Go back to the packaged wording of ``kind``; True when the review had its own."""
    letter_kind(kind)
    review = get_review(session, review_name)
    removed = delete_wording(session, review.id, kind)
    if removed:
        audit(
            session,
            actor,
            "reset_mail_template",
            "review",
            review.id,
            review_id=review.id,
            kind=kind,
        )
    return removed
