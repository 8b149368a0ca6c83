"""The ``colead`` command line: one module per command group; each parses, calls the core, prints.

:mod:`colead.cli.main` builds the ``colead`` app from the groups and is the entry point.
"""

from colead.cli.main import app, main

__all__ = ["app", "main"]
