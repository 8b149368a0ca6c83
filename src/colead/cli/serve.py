"""``colead serve``: the web app (rater survey) under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from colead.cli.options import DbOption, plain_console
from colead.config import load_settings

err = plain_console(stderr=True)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    db: DbOption = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes sharing the database.")
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (its address holds the rater's secret survey link).",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            metavar="IPS",
            help="Reverse proxies (comma-separated addresses or CIDR networks) whose "
            "X-Forwarded-For and X-Forwarded-Proto are believed; default "
            "COLEAD_TRUSTED_PROXIES, else none.",
        ),
    ] = None,
) -> None:
    """Serve the rater survey (links /s/TOKEN) until stopped with Ctrl+C."""
    import uvicorn

    from colead.store import open_database

    settings = load_settings(database_url=db, trusted_proxies=forwarded_allow_ips)
    # Fail here, with a clear message, rather than in every worker at start-up.
    open_database(settings.database_url).dispose()
    # Workers are separate processes that read their settings from the environment.
    os.environ["COLEAD_DATABASE_URL"] = settings.database_url
    os.environ["COLEAD_TRUSTED_PROXIES"] = settings.trusted_proxies
    err.print(f"Serving the survey on http://{host}:{port} (Ctrl+C stops).", highlight=False)
    if settings.trusted_proxies:
        err.print(
            f"Believing forwarded headers from {settings.trusted_proxies} only.",
            highlight=False,
        )
    uvicorn.run(
        "colead.web.app:create_app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app reads forwarded headers itself, from COLEAD_TRUSTED_PROXIES only
        # (colead.web.proxies), under any server; uvicorn's reading would apply them twice.
        proxy_headers=False,
        # Off unless asked for: each survey address carries its rater's token, which a log
        # would keep in plain text; writing a line per request also costs CPU under load.
        access_log=access_log,
    )
