"""Options shared by the ``colead`` commands, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: COLEAD_DATABASE_URL or sqlite:///colead.db)."
    ),
]
NormsOption = Annotated[
    str | None,
    typer.Option("--norms", help="Norm set to benchmark against (see `colead norms list`)."),
]
FrameworkOption = Annotated[
    Path | None,
    typer.Option("--framework", help="Framework YAML file (default: the built-in framework)."),
]
ReviewOption = Annotated[str, typer.Option("--review", help="Name of the review.")]
WaveOption = Annotated[str | None, typer.Option("--wave", help="Wave name (default: the latest).")]
