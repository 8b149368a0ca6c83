"""The console's privacy page of a review: export or erase one person, retention, purge.

The same operations as ``colead privacy`` (see :mod:`colead.cli.privacy`), done by
:mod:`colead.privacy.person` and :mod:`colead.privacy.retention` with the admin's e-mail as the
actor in the audit log. The page finds one person by id or e-mail and shows only their own details,
never anyone's answers. Erasing asks for the person to be typed again, and purging for a ticked box,
so that neither happens by a slip of the mouse; a refused form shows the page again with what to fix
and changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.errors import ColeadError, InvalidData, NotFound, UnknownPerson
from colead.privacy.person import Erasure, erase_person, export_json, export_person
from colead.privacy.retention import MAX_MONTHS, PurgedWave, purge, set_retention, show_retention
from colead.store import transaction
from colead.store.person_export import person_record
from colead.store.privacy import find_person
from colead.store.reviews import get_review
from colead.web import render
from colead.web.admin.console import PREFIX, AdminForm, AdminPage, Console, app_engine, see_other
from colead.web.admin.forms import refused_status
from colead.web.admin.sessions import AdminSession
from colead.web.admin.wave_results import MAX_NAME

_PAGE = "/reviews/{name}/privacy"
#: a person_id or an e-mail address is far shorter; longer is not a person of any review
MAX_PERSON = 320
PersonField = Annotated[str, Form(max_length=MAX_PERSON)]
#: characters kept in the name of the downloaded file (anything else becomes "_")
_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _review_name(name: str) -> str:
    if len(name) > MAX_NAME or "\x00" in name:
        raise NotFound(f"No review named {name[:MAX_NAME]!r}.")
    return name


def _wanted(person: str) -> str:
    """The person as typed, or InvalidData when nothing was typed."""
    if not person.strip():
        raise InvalidData(
            "No person was given.",
            "Type the person's person_id in the review, or their e-mail address.",
        )
    return person.strip()


def _months(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidData(
            f"{text.strip()[:20]!r} is not a number of months.",
            f"Type whole months from 1 to {MAX_MONTHS}, or choose to keep answers for good.",
        ) from None


def privacy_router(console: Console) -> APIRouter:
    """The privacy page of a review and its four forms."""
    router = APIRouter(prefix=PREFIX)

    def page_url(request: Request, name: str) -> str:
        return f"{console.review_url(request, name)}/privacy"

    def show(
        request: Request,
        name: str,
        admin: AdminSession,
        *,
        person: str = "",
        refused: ColeadError | None = None,
        refused_form: str = "",
        erased: Erasure | None = None,
        purged: list[PurgedWave] | None = None,
    ) -> Response:
        """The page; ``person`` is looked up (an unknown one is shown as refused)."""
        engine = app_engine(request)
        found = None
        if person.strip() and refused is None:
            try:
                with transaction(engine) as session:
                    found = person_record(
                        session, find_person(session, get_review(session, name), person)
                    )
            except UnknownPerson as error:
                refused, refused_form = error, "find"
        view = show_retention(engine, name)
        # a dry run: lists what is due, changes nothing and writes no audit entry
        due = {
            w.wave: w
            for w in purge(
                engine, name, data_dir=console.data_dir, dry_run=True, actor=admin.email or ""
            )
        }
        return console.page(
            request,
            "privacy.html.j2",
            admin,
            status=404 if isinstance(refused, NotFound) else refused_status(refused),
            name=view.review,
            review_url=console.review_url(request, view.review),
            page_url=page_url(request, view.review),
            person=person.strip(),
            found=found,
            refused=refused,
            refused_form=refused_form,
            view=view,
            due=due,
            max_months=MAX_MONTHS,
            max_person=MAX_PERSON,
            notice=request.query_params.get("done", "")[:20],
            erased=erased,
            purged=purged,
            purged_forms=sum((w.deleted or {}).get("forms", 0) for w in purged or []),
            purged_uploads=sum(w.uploads for w in purged or []),
        )

    @router.get(_PAGE, response_model=None)
    def privacy_page(
        request: Request,
        name: str,
        admin: AdminPage,
        person: Annotated[str, Query(max_length=MAX_PERSON)] = "",
    ) -> Response:
        return show(request, _review_name(name), admin, person=person)

    @router.post(_PAGE + "/export", response_model=None)
    def export(request: Request, name: str, admin: AdminForm, person: PersonField = "") -> Response:
        name = _review_name(name)
        try:
            document = export_person(
                app_engine(request),
                name,
                _wanted(person),
                minimum=console.settings.anonymity_minimum,
                actor=admin.email or "",
            )
        except (UnknownPerson, InvalidData) as refused:
            return show(request, name, admin, person=person, refused=refused, refused_form="find")
        file_name = _FILE_NAME.sub("_", f"privacy-{document['person']['person_id']}.json")
        headers = {
            **render.SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{file_name}"',
        }
        return Response(
            export_json(document).encode("utf-8"),
            media_type="application/json; charset=utf-8",
            headers=headers,
        )

    @router.post(_PAGE + "/erase", response_model=None)
    def erase(
        request: Request,
        name: str,
        admin: AdminForm,
        person: PersonField = "",
        confirm: PersonField = "",
        delete_ratings: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        name = _review_name(name)
        try:
            wanted = _wanted(person)
            if confirm.strip() != wanted:
                raise InvalidData(
                    "The confirmation does not match the person to erase.",
                    f"Type {wanted} exactly in the confirmation box to erase them.",
                )
            erased = erase_person(
                app_engine(request),
                name,
                wanted,
                delete_ratings=delete_ratings == "yes",
                actor=admin.email or "",
                data_dir=console.data_dir,
            )
        except (UnknownPerson, InvalidData) as refused:
            # nothing was changed: erasure is one transaction, and it never started
            return show(request, name, admin, person=person, refused=refused, refused_form="erase")
        # the page after an erasure names the person only by their new anonymous id
        return show(request, name, admin, erased=erased)

    @router.post(_PAGE + "/retention", response_model=None)
    def retention(
        request: Request,
        name: str,
        admin: AdminForm,
        months: Annotated[str, Form(max_length=20)] = "",
        keep: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        name = _review_name(name)
        try:
            chosen = None if keep == "yes" else _months(months)
            set_retention(app_engine(request), name, chosen, actor=admin.email or "")
        except InvalidData as refused:
            return show(request, name, admin, refused=refused, refused_form="retention")
        return see_other(f"{page_url(request, name)}?done=retention")

    @router.post(_PAGE + "/purge", response_model=None)
    def purge_due(
        request: Request,
        name: str,
        admin: AdminForm,
        confirm: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        name = _review_name(name)
        if confirm != "yes":
            refused = InvalidData(
                "Nothing was purged: the confirmation box was not ticked.",
                "Tick the box to confirm that the answers of the due waves may be deleted.",
            )
            return show(request, name, admin, refused=refused, refused_form="purge")
        purged: list[PurgedWave] = purge(
            app_engine(request),
            name,
            data_dir=console.data_dir,
            dry_run=False,
            actor=admin.email or "",
        )
        return show(request, name, admin, purged=purged)

    return router
