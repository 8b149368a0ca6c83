"""The console's pages of a review's organisations, sites, people, forms and nominations."""

from __future__ import annotations

from fastapi import APIRouter

from colead.web.console import PREFIX, Console


def people_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    return router
