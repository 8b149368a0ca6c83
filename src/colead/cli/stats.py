"""``colead stats``: the engine's statistics on a practitioner's own CSV file.

Each command reads a CSV, calls one function of :mod:`colead.analysis`, and prints either a
readable table or, with ``--json``, exactly one JSON object on stdout.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from colead.cli.options import plain_console
from colead.errors import InvalidData
from colead.ingest.tables import canonical_column, read_table

stats_app = typer.Typer(
    help="Statistics on your own CSV file (columns named in the options).",
    no_args_is_help=True,
)
out = plain_console()

FileArg = Annotated[Path, typer.Argument(help="CSV file with a header row.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _number(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, tuple | list):
        return [_number(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _number(v) for k, v in value.items()}
    return value


def _emit(payload: dict[str, Any], as_json: bool, title: str) -> None:
    payload = _number(payload)
    if as_json:
        print(json.dumps(payload, allow_nan=False))
        return
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in payload.items():
        if isinstance(value, dict | list):
            value = json.dumps(value)
        table.add_row(key, "–" if value is None else str(value))
    out.print(table)


def _columns(frame: pd.DataFrame, names: str | list[str], path: Path) -> list[str]:
    wanted = [canonical_column(n) for n in ([names] if isinstance(names, str) else names)]
    missing = [n for n in wanted if n not in frame.columns]
    if missing:
        raise InvalidData(
            f"{path}: no column {', '.join(repr(m) for m in missing)}.",
            f"Columns in the file: {', '.join(frame.columns)}.",
        )
    return wanted


def _numeric(frame: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    """Columns as numbers; blank and NA are missing, anything else non-numeric is an error."""
    result = pd.DataFrame(index=frame.index)
    for column in columns:
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce")
        bad = (
            values.isna()
            & raw.notna()
            & ~raw.astype(str).str.strip().str.upper().isin({"", "NA", "N/A"})
        )
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise InvalidData(
                f"{path}, row {row}, column '{column}': {raw[bad].iloc[0]!r} is not a number.",
                "Use numbers; leave a cell empty (or NA) for a missing value.",
            )
        result[column] = values.astype(float)
    return result


def _items(value: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise typer.BadParameter("give column names separated by commas")
    return items


@stats_app.command("alpha")
def alpha(
    file: FileArg,
    items: Annotated[str, typer.Option(help="Item columns, comma-separated.")],
    missing: Annotated[str, typer.Option(help="pairwise (as psych::alpha) or listwise.")] = (
        "pairwise"
    ),
    as_json: JsonOption = False,
) -> None:
    """Cronbach's alpha with its 95% CI (Feldt)."""
    from colead.analysis.psychometrics import cronbach_alpha

    if missing not in {"pairwise", "listwise"}:
        raise typer.BadParameter("use pairwise or listwise", param_hint="--missing")
    frame = read_table(file)
    data = _numeric(frame, _columns(frame, _items(items), file), file)
    result = cronbach_alpha(data, missing=missing)
    payload: dict[str, Any] = {
        "alpha": result.alpha,
        "ci95": list(result.ci95),
        "n": result.n,
        "k": result.k,
    }
    if result.reason:
        payload["reason"] = result.reason
    _emit(payload, as_json, f"Cronbach's alpha ({missing})")


@stats_app.command("omega")
def omega(
    file: FileArg,
    items: Annotated[str, typer.Option(help="Item columns, comma-separated.")],
    as_json: JsonOption = False,
) -> None:
    """McDonald's omega total from a one-factor maximum-likelihood model."""
    from colead.analysis.psychometrics import mcdonald_omega

    frame = read_table(file)
    data = _numeric(frame, _columns(frame, _items(items), file), file)
    result = mcdonald_omega(data)
    payload: dict[str, Any] = {
        "omega": result.omega,
        "loadings": result.loadings,
        "n": result.n,
    }
    if result.reason:
        payload["reason"] = result.reason
    _emit(payload, as_json, "McDonald's omega (total)")


@stats_app.command("icc")
def icc(
    file: FileArg,
    target: Annotated[str, typer.Option(help="Column identifying the rated target.")],
    rater: Annotated[str, typer.Option(help="Column identifying the rater.")],
    score: Annotated[str, typer.Option(help="Column with the rating.")],
    as_json: JsonOption = False,
) -> None:
    """The six Shrout & Fleiss (1979) ICCs from a long table, as psych::ICC."""
    from colead.analysis.agreement import shrout_fleiss_long

    frame = read_table(file)
    target_c, rater_c, score_c = _columns(frame, [target, rater, score], file)
    data = frame[[target_c, rater_c]].assign(**{score_c: _numeric(frame, [score_c], file)[score_c]})
    result = shrout_fleiss_long(data, target=target_c, rater=rater_c, score=score_c)
    payload: dict[str, Any] = {
        name: {
            "value": form.value,
            "ci95": list(form.ci95),
            "F": form.F,
            "df1": form.df1,
            "df2": form.df2,
            "p": form.p,
        }
        for name, form in result.forms.items()
    }
    if result.reason:
        payload["reason"] = result.reason
    _emit(payload, as_json, f"ICC: {result.n_targets} targets × {result.k_raters} raters")


@stats_app.command("aggregation")
def aggregation(
    file: FileArg,
    group: Annotated[str, typer.Option(help="Column identifying the group (e.g. site).")],
    score: Annotated[str, typer.Option(help="Column with each person's score.")],
    as_json: JsonOption = False,
) -> None:
    """ICC(1) and ICC(2) of people within groups (Bliese 2000), as multilevel::ICC1/ICC2."""
    from colead.analysis.agreement import icc_aggregation

    frame = read_table(file)
    group_c, score_c = _columns(frame, [group, score], file)
    values = _numeric(frame, [score_c], file)[score_c]
    keep = values.notna() & frame[group_c].notna()
    result = icc_aggregation(values[keep].to_numpy(), frame.loc[keep, group_c].to_numpy())
    payload: dict[str, Any] = {
        "icc1": result.icc1,
        "icc2": result.icc2,
        "groups": result.groups,
        "n": result.n,
    }
    if result.reason:
        payload["reason"] = result.reason
    _emit(payload, as_json, "Aggregation: ICC(1), ICC(2)")


@stats_app.command("rwg")
def rwg(
    file: FileArg,
    group: Annotated[str, typer.Option(help="Column identifying the group.")],
    items: Annotated[str, typer.Option(help="Item column(s), comma-separated.")],
    options: Annotated[int, typer.Option(help="Number of response options (e.g. 5).")],
    null: Annotated[
        str, typer.Option(help="uniform, slight, moderate, heavy, triangular or normal.")
    ] = "uniform",
    as_json: JsonOption = False,
) -> None:
    """Within-group agreement rwg (one item) or rwg(j) (several), James et al. (1984)."""
    from colead.analysis.agreement import NULL_DISTRIBUTIONS, rwg_by_group

    if null not in NULL_DISTRIBUTIONS:
        raise typer.BadParameter(f"use one of {', '.join(NULL_DISTRIBUTIONS)}", param_hint="--null")
    frame = read_table(file)
    group_c, *item_cs = _columns(frame, [group, *_items(items)], file)
    data = _numeric(frame, item_cs, file).assign(**{group_c: frame[group_c]})
    try:
        table = rwg_by_group(data, group=group_c, items=item_cs, options=options, null=null)
    except ValueError as exc:
        raise InvalidData(str(exc), "Check --options and --null.") from None
    groups = {
        str(row.group): {"rwg": row.rwg, "n": int(row.n)}
        | ({"reason": row.reason} if isinstance(row.reason, str) else {})
        for row in table.itertuples()
    }
    values = table["rwg"].to_numpy(dtype=float)
    mean = float(np.nanmean(values)) if np.isfinite(values).any() else None
    _emit({"groups": groups, "mean": mean}, as_json, f"rwg ({null} null, {options} options)")


@stats_app.command("rci")
def rci(
    file: FileArg,
    pre: Annotated[str, typer.Option(help="Column with the baseline score.")],
    post: Annotated[str, typer.Option(help="Column with the follow-up score.")],
    reliability: Annotated[float, typer.Option(help="Reliability of the measure (e.g. alpha).")],
    as_json: JsonOption = False,
) -> None:
    """Reliable change index (Jacobson & Truax 1991) for each row."""
    from colead.analysis.evaluation import reliable_change

    if not 0 < reliability < 1:
        raise typer.BadParameter("must be between 0 and 1", param_hint="--reliability")
    frame = read_table(file)
    pre_c, post_c = _columns(frame, [pre, post], file)
    data = _numeric(frame, [pre_c, post_c], file)
    result = reliable_change(
        data[pre_c].to_numpy(),
        data[post_c].to_numpy(),
        reliability=reliability,
        ids=[str(i + 2) for i in range(len(data))],
    )
    rows = [
        {k: _number(v) for k, v in record.items()}
        for record in result.rows.to_dict(orient="records")
    ]
    payload: dict[str, Any] = {
        "sdiff": result.sdiff,
        "improved": result.improved,
        "unchanged": result.unchanged,
        "deteriorated": result.deteriorated,
        "rows": rows,
    }
    if result.reason:
        payload["reason"] = result.reason
    if as_json:
        _emit(payload, True, "")
    else:
        _emit({k: v for k, v in payload.items() if k != "rows"}, False, "Reliable change")
