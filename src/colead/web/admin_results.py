"""The console's results: the dashboard, drill-down, report downloads, exports, audit log."""

from __future__ import annotations

from fastapi import APIRouter

from colead.web.console import PREFIX, Console


def results_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    return router
