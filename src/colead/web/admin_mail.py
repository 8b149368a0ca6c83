"""The console's mail: invitations, reminders and their schedule, templates, bounces."""

from __future__ import annotations

from fastapi import APIRouter

from colead.web.console import PREFIX, Console


def mail_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    return router
