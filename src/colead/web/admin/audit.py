"""The console's audit log: every recorded change, newest first, filtered and paged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from colead.errors import InvalidData
from colead.store import transaction
from colead.store.audit import AuditFilter, audit_actions, audit_page
from colead.web.admin.console import PREFIX, AdminPage, Console, app_engine

#: entries per page
PAGE_SIZE = 50
#: far beyond any real log, and inside every database's integer range
MAX_PAGE = 1_000_000

Text = Annotated[str, Query(max_length=320)]


def parse_day(text: str, label: str) -> date | None:
    """A ``YYYY-MM-DD`` filter value; None when empty, InvalidData when not a date."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidData(
            f"The {label} date {text[:40]!r} is not a date.", "Use the form YYYY-MM-DD."
        ) from None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def readable(detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An entry's detail as ``(name, value)`` pairs, names in words."""
    if not detail:
        return []
    pairs = []
    for key, value in detail.items():
        if value is None:
            text = "–"
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        pairs.append((str(key).replace("_", " "), text))
    return pairs


def audit_router(console: Console) -> APIRouter:
    """``GET /admin/audit``, filtered by ``review``, ``actor``, ``action``, ``since`` and
    ``until`` (days, both included), ``page`` by page."""
    router = APIRouter(prefix=PREFIX)

    @router.get("/audit", response_model=None)
    def audit_log(
        request: Request,
        admin: AdminPage,
        review: Text = "",
        actor: Text = "",
        action: Text = "",
        since: Text = "",
        until: Text = "",
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> Response:
        first, last = parse_day(since, "from"), parse_day(until, "until")
        if first is not None and last is not None and last < first:
            raise InvalidData("The until date is before the from date.", "Swap the two dates.")
        wanted = AuditFilter(
            review=review.strip(),
            actor=actor.strip(),
            action=action.strip(),
            since=start_of(first) if first else None,
            # "until" names the last day shown, so the filter stops at the next midnight.
            until=start_of(last + timedelta(days=1)) if last else None,
        )
        with transaction(app_engine(request)) as session:
            found = audit_page(session, wanted, PAGE_SIZE, (page - 1) * PAGE_SIZE)
            actions = audit_actions(session)
        filters = {
            "review": review,
            "actor": actor,
            "action": action,
            "since": since,
            "until": until,
        }
        kept = {k: v for k, v in filters.items() if v}

        def page_url(number: int) -> str:
            return f"{console.root(request)}/audit?{urlencode({**kept, 'page': number})}"

        pages = max(1, -(-found.total // PAGE_SIZE))
        return console.page(
            request,
            "audit.html.j2",
            admin,
            entries=found.rows,
            total=found.total,
            page_number=page,
            pages=pages,
            previous_url=page_url(page - 1) if page > 1 else "",
            next_url=page_url(page + 1) if page < pages else "",
            filters=filters,
            actions=actions,
            readable=readable,
        )

    return router
