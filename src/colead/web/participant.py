"""A participant's own pages, reached by their link: nominate raters, follow progress,
read their report once the wave has closed."""

from __future__ import annotations

from fastapi import APIRouter

from colead.config import Settings


def participant_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/p")
    return router
