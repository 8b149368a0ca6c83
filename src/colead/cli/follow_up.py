"""``colead wave follow-up`` and ``colead wave stability``: measure again, and check that
the scales still behave the same.

Parsing and printing only; the work is done by :mod:`colead.fieldwork.follow_up`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from colead.cli.options import DbOption, FrameworkOption, ReviewOption, plain_console, warn
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.errors import InvalidData

if TYPE_CHECKING:
    from colead.fieldwork.follow_up import Change

out = plain_console()
err = plain_console(stderr=True)

#: who the audit log names for changes made from the command line
ACTOR = "cli"


def register(wave_app: typer.Typer) -> None:
    """Add ``follow-up`` and ``stability`` to ``colead wave``."""
    wave_app.command("follow-up")(wave_follow_up)
    wave_app.command("stability")(wave_stability)


def wave_follow_up(
    review: ReviewOption,
    from_wave: Annotated[str, typer.Option("--from", help="The earlier wave to measure again.")],
    wave: Annotated[str, typer.Option("--wave", help="Name of the new wave.")],
    period: Annotated[
        str | None,
        typer.Option("--period", help="KPI period of the new wave: 2024, 2024-Q3 or 2024-07."),
    ] = None,
    replace: Annotated[
        Path | None,
        typer.Option(
            "--replace",
            help="CSV old_rater_id,new_rater_id[,ratee_id]; empty new_rater_id = left.",
        ),
    ] = None,
    framework: FrameworkOption = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML old item id: new item id, for a new framework."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a draft wave with the raters of an earlier one (fresh links)."""
    from colead.fieldwork.follow_up import (
        create_follow_up_wave,
        read_item_mapping,
        read_replacements,
    )
    from colead.framework import load_framework

    if mapping is not None and framework is None:
        raise InvalidData(
            "--mapping maps items to a new framework version, but no --framework was given.",
            "Give the new framework with --framework PATH, or leave out --mapping.",
        )
    loaded = load_framework(framework) if framework is not None else None
    item_map = read_item_mapping(mapping) if mapping is not None else None
    rows = read_replacements(replace) if replace is not None else []
    with _session(db) as session:
        made = create_follow_up_wave(
            session,
            review,
            from_wave,
            wave,
            framework=loaded,
            mapping=item_map,
            replacements=rows,
            period=period,
            actor=ACTOR,
        )
    info = made.wave
    period_note = f", period {info.period}" if info.period else ""
    _say(
        f"Created wave {info.name!r} of review {info.review!r} as a draft from "
        f"{made.from_wave!r} (framework {made.framework}{period_note}): "
        f"{made.kept} assignments, {len(made.replaced)} with a new rater, "
        f"{len(made.dropped)} dropped."
    )
    if made.mapping:
        _say(f"Item mapping stored with the wave: {len(made.mapping)} items.")
    _changes("Dropped", made.dropped)
    _changes("New rater", made.replaced)
    _say(
        f"Next: `colead wave open --review {info.review!r} --wave {info.name!r}`, then "
        f"`colead invitations send --review {info.review!r} --wave {info.name!r}`."
    )


def _changes(title: str, changes: tuple[Change, ...]) -> None:
    if not changes:
        return
    table = Table("ratee", "rater", "relation", "new rater", "why", title=title)
    for c in changes:
        table.add_row(c.ratee_id, c.rater_id, c.relation, c.new_rater_id or "", c.reason)
    out.print(table)


def wave_stability(
    review: ReviewOption,
    waves: Annotated[
        str | None,
        typer.Option("--waves", help="Comma-separated waves (default: all with answers)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """Alpha and item-total correlations of each scale per wave, with drift warnings."""
    from colead.analysis.stability import (
        ALPHA_CHANGE,
        ALPHA_FLOOR,
        ITEM_TOTAL_CHANGE,
        ITEM_TOTAL_FLOOR,
    )
    from colead.fieldwork.follow_up import review_stability

    names = [w.strip() for w in waves.split(",") if w.strip()] if waves else None
    with _session(db) as session:
        report = review_stability(session, review, names)
    result = report.result
    if as_json:
        payload = {
            "review": report.review,
            "waves": list(result.waves),
            "thresholds": {
                "alpha_floor": ALPHA_FLOOR,
                "alpha_change": ALPHA_CHANGE,
                "item_total_floor": ITEM_TOTAL_FLOOR,
                "item_total_change": ITEM_TOTAL_CHANGE,
            },
            "scales": [
                {
                    "scale_id": s.scale_id,
                    "wave": s.wave,
                    "alpha": _number(s.alpha),
                    "n": s.n,
                    "k": s.k,
                    "item_total": {k: _number(v) for k, v in s.item_total.items()},
                    "reason": s.reason,
                }
                for s in result.scales
            ],
            "warnings": [
                {
                    "scale_id": w.scale_id,
                    "wave": w.wave,
                    "kind": w.kind,
                    "item_id": w.item_id,
                    "value": _number(w.value),
                    "previous_wave": w.previous_wave,
                    "previous": _number(w.previous),
                    "drift": w.drift,
                    "message": w.message,
                }
                for w in result.warnings
            ],
        }
        print(json.dumps(payload, allow_nan=False))
        return
    table = Table(
        "scale", "wave", "alpha", "n", "k", "lowest item-total r", "warnings", "drift",
        title=f"{report.review}: scale stability across waves",
    )  # fmt: skip
    for row in result.table().itertuples(index=False):
        table.add_row(
            str(row.scale_id),
            str(row.wave),
            _fmt(row.alpha),
            str(row.n),
            str(row.k),
            _fmt(row.min_item_total),
            str(row.warnings),
            "yes" if row.drift else "",
        )
    out.print(table)
    drifting = [w for w in result.warnings if w.drift]
    for w in drifting:
        warn(err, f"drift: {w.message}")
    weak = len(result.warnings) - len(drifting)
    if weak:
        _say(
            f"{weak} warnings for a scale or item already below its floor in the wave "
            "before (or in the first wave); --json lists them."
        )
    if not drifting:
        _say("No scale drifted between waves.")


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) and math.isfinite(value) else "–"
