"""Request bodies bounded per route, before anything reads them.

A form is parsed before its route runs, and so before the console checks who is logged
in: without a bound, anyone could make the server read (and spool to disk) a body of any
size at the upload form, the login form or a participant page. :class:`BodyLimit` sits
in front of the app and

* refuses at once a request whose ``Content-Length`` is over its route's limit, without
  reading a byte of it;
* counts the bytes of a body sent without a length (chunked) as the app reads them, and
  stops it with the same refusal as soon as they pass the limit.

Either way the answer is 413, in the API's JSON error shape under ``/api`` and as the
app's error page elsewhere, with ``Connection: close`` (the rest of the body is never
read). Uploads of files (imports, bounce reports, the language analyser) may be large,
but only with the signed cookie of a logged-in console session; every other request, and
an upload without such a cookie, may send at most :data:`FORM_BODY_LIMIT`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from colead.ingest.uploads import MAX_UPLOAD_BYTES
from colead.web import render
from colead.web.admin.console import error_page
from colead.web.admin.vocab import MAX_VOCAB_FILE_BYTES, MAX_VOCAB_FILES
from colead.web.api.errors import error_response, is_api_request

#: the body of any request that is not a file upload; a survey page posts about 10 KB
FORM_BODY_LIMIT = 1024 * 1024
#: room for the other fields and the multipart boundaries around uploaded files
_FORM_ROOM = 1024 * 1024


@dataclass(frozen=True)
class UploadRoute:
    """POST paths (after the root path) that take files, and their largest body."""

    path: re.Pattern[str]
    limit: int


#: the console's file uploads
UPLOAD_ROUTES: tuple[UploadRoute, ...] = (
    UploadRoute(re.compile(r"/admin/reviews/.+/upload"), MAX_UPLOAD_BYTES + _FORM_ROOM),
    UploadRoute(
        re.compile(r"/admin/reviews/.+/waves/.+/mail/bounces"), MAX_UPLOAD_BYTES + _FORM_ROOM
    ),
    UploadRoute(re.compile(r"/admin/vocab"), MAX_VOCAB_FILES * MAX_VOCAB_FILE_BYTES + _FORM_ROOM),
)


class BodyTooLarge(Exception):
    """Raised to the app when it reads past the limit; never reaches a client."""


def _path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class BodyLimit:
    """Answers 413 to a request whose body is larger than its route allows.

    ``logged_in`` tells whether a request carries a logged-in console session (without
    asking the database); only such requests may send an upload route's larger body.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        logged_in: Callable[[Scope], bool],
        uploads: Sequence[UploadRoute] = UPLOAD_ROUTES,
        default: int = FORM_BODY_LIMIT,
    ) -> None:
        self.app = app
        self.logged_in = logged_in
        self.uploads = tuple(uploads)
        self.default = default

    def upload_route(self, scope: Scope) -> UploadRoute | None:
        if scope.get("method") != "POST":
            return None
        path = _path(scope)
        return next((route for route in self.uploads if route.path.fullmatch(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = self.upload_route(scope)
        may_upload = upload is not None and self.logged_in(scope)
        limit = upload.limit if upload is not None and may_upload else self.default
        refusal = _Refusal(limit, upload is not None and not may_upload)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
            await refusal.answer(scope, send)
            return

        received = 0
        exceeded = started = answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, answered
            if exceeded:
                # whatever the app makes of its failed read (a 400 for a broken form), the
                # client gets the refusal instead
                if not started and not answered:
                    answered = True
                    await refusal.answer(scope, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started and not answered:
            await refusal.answer(scope, send)


@dataclass(frozen=True)
class _Refusal:
    """The 413 answer: ``login_needed`` when an upload came without a logged-in session."""

    limit: int
    login_needed: bool

    def response(self, scope: Scope) -> Response:
        request = Request(scope)
        megabytes = max(1, (self.limit - _FORM_ROOM) // (1024 * 1024))
        if self.login_needed:
            hint = "Files can be uploaded only when logged in. Log in and try again."
        elif self.limit > FORM_BODY_LIMIT:
            hint = (
                f"The files sent at once may hold at most {megabytes} MB; use the command "
                "line (`colead import`, `colead vocab`) for larger ones."
            )
        else:
            hint = "The form sent more than this page takes. Go back and send less."
        message = "The request is too large."
        headers = {"Connection": "close"}
        if is_api_request(request):
            return error_response(
                413, "payload_too_large", message, {"limit_bytes": self.limit}, headers
            )
        if _path(scope).startswith("/admin"):
            page = error_page(request, 413, "payload_too_large", message, hint)
        else:
            page = render.page(
                "error.html.j2",
                413,
                code="payload_too_large",
                message=message,
                hint=hint,
                submitted=False,
                home="",
            )
        page.headers.update(headers)
        return page

    async def answer(self, scope: Scope, send: Send) -> None:
        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await self.response(scope)(scope, nothing, send)
