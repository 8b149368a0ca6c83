"""Reviews, framework versions and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from colead.errors import InvalidData, ReviewNotFound
from colead.framework import Framework
from colead.store.schema import AuditEntry, FrameworkVersion, Review


def find_review(session: Session, name: str) -> Review | None:
    return session.scalars(select(Review).where(Review.name == name)).one_or_none()


def get_review(session: Session, name: str) -> Review:
    review = find_review(session, name)
    if review is None:
        known = list_review_names(session)
        hint = "Known reviews: " + ", ".join(known) if known else "No reviews exist yet."
        raise ReviewNotFound(f"No review named {name!r}.", hint)
    return review


def list_review_names(session: Session) -> list[str]:
    return list(session.scalars(select(Review.name).order_by(Review.name)))


def get_or_create_review(
    session: Session, name: str, description: str | None = None, actor: str = "system"
) -> tuple[Review, bool]:
    """The review called ``name``, created when missing; the flag says whether it was."""
    review = find_review(session, name)
    if review is not None:
        return review, False
    refuse_slash("review", name)
    review = Review(name=name, description=description)
    session.add(review)
    session.flush()
    audit(session, actor, "create", "review", review.id, review_id=review.id)
    return review, True


def refuse_slash(what: str, name: str) -> None:
    """InvalidData for a new name with a slash: web addresses name reviews and waves as
    one path segment each, and a slash would make the console's pages unreachable."""
    if "/" in name:
        raise InvalidData(
            f"{name!r} cannot be a {what} name: it contains '/'.",
            f"Use another character, e.g. '{name.replace('/', '-')}'.",
        )


def delete_review(session: Session, review: Review, actor: str = "system") -> None:
    """Delete a review and everything in it (the audit log keeps a record)."""
    review_id, name = review.id, review.name
    session.execute(delete(Review).where(Review.id == review_id))
    session.expunge(review)
    audit(session, actor, "delete", "review", review_id, review_id=review_id, name=name)


def register_framework(session: Session, framework: Framework) -> FrameworkVersion:
    """Store a framework version once (by fingerprint) so waves can refer to it forever."""
    existing = session.scalars(
        select(FrameworkVersion).where(FrameworkVersion.fingerprint == framework.fingerprint)
    ).one_or_none()
    if existing is not None:
        return existing
    version = FrameworkVersion(
        framework_id=framework.id,
        version=framework.version,
        fingerprint=framework.fingerprint,
        title=framework.title,
        content=framework.model_dump(mode="json"),
    )
    session.add(version)
    session.flush()
    return version


def load_framework_version(session: Session, version_id: int) -> Framework:
    version = session.get_one(FrameworkVersion, version_id)
    return Framework.model_validate(version.content)


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    review_id: int | None = None,
    **detail: Any,
) -> None:
    """Append one entry to the audit log, in the caller's transaction."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            review_id=review_id,
            detail=detail or None,
        )
    )


def count_rows(session: Session, model: type[Any], **filters: Any) -> int:
    query = select(func.count()).select_from(model)
    for column, value in filters.items():
        query = query.where(getattr(model, column) == value)
    return int(session.scalar(query) or 0)
