"""``colead review``: create and list reviews.

Parsing and printing only; :mod:`colead.fieldwork.roster` does the work, as it does for the console.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, plain_console
from colead.config import load_settings

review_app = typer.Typer(help="Reviews: create an empty one, list them.", no_args_is_help=True)

#: who the audit log names for changes made from the command line
ACTOR = "cli"

out = plain_console()


@review_app.command("create")
def review_create(
    name: Annotated[str, typer.Option("--name", help="Name of the new review.")],
    description: Annotated[
        str | None, typer.Option("--description", help="What the review is about.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an empty review (refused when the name is taken)."""
    from colead.fieldwork.roster import create_review
    from colead.store import open_database, transaction

    engine = open_database(load_settings(database_url=db).database_url)
    try:
        with transaction(engine) as session:
            created = create_review(session, name, description, actor=ACTOR).name
    finally:
        engine.dispose()
    out.print(f"Created review {created!r}.", markup=False, highlight=False)
    out.print(
        f"Next: `colead wave create --review {created!r} --wave baseline`.",
        markup=False,
        highlight=False,
    )


@review_app.command("list")
def review_list(db: DbOption = None) -> None:
    """List the reviews with their number of waves and people."""
    from colead.fieldwork.roster import review_summaries
    from colead.store import open_database, transaction

    engine = open_database(load_settings(database_url=db).database_url)
    try:
        with transaction(engine) as session:
            reviews = review_summaries(session)
    finally:
        engine.dispose()
    if not reviews:
        out.print("No reviews yet; create one with `colead review create --name NAME`.")
        return
    table = Table("review", "waves", "people", "description", highlight=False)
    for review in reviews:
        table.add_row(review.name, str(review.waves), str(review.people), review.description or "")
    out.print(table)
