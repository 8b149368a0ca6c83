"""The web shell: the rater survey, served by a FastAPI app made by ``create_app``."""

from colead.web.app import create_app

__all__ = ["create_app"]
