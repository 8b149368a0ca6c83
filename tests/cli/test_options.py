"""Shared output of the commands: problem lines and consoles that print text as it is."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.table import Table

from colead.cli.options import plain_console, warn

#: text from a file or a name: brackets and colons that rich would otherwise act on
TRICKY = "cell [bold]x[/bold] and [/] and [yellow]y :smile:"


def test_warn_prints_the_text_as_it_is_even_on_a_console_that_reads_markup() -> None:
    stream = io.StringIO()
    warn(Console(file=stream, width=200), TRICKY)  # rich's default: markup and emoji on
    assert stream.getvalue() == f"! {TRICKY}\n"


def test_warn_is_yellow_only_on_a_terminal_with_colour() -> None:
    colour = io.StringIO()
    warn(Console(file=colour, force_terminal=True, color_system="standard", width=200), TRICKY)
    assert "\x1b[33m" in colour.getvalue() and f"! {TRICKY}" in colour.getvalue()

    for console in (
        Console(file=io.StringIO(), width=200),  # a pipe or a file
        Console(file=io.StringIO(), force_terminal=True, no_color=True, width=200),
    ):
        warn(console, "plain")
        assert isinstance(console.file, io.StringIO)
        assert console.file.getvalue() == "! plain\n"


def test_plain_console_prints_names_in_text_and_tables_as_they_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    console = plain_console()
    table = Table("name")
    table.add_row(TRICKY)
    console.print(TRICKY)
    console.print(table)  # a "[/]" in a name would stop a markup-reading console
    printed = capsys.readouterr().out
    assert printed.count(TRICKY) == 2
    assert "\x1b[" not in printed
