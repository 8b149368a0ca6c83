"""The folder list shows the architecture, and the import graph keeps to it.

Read with grimp (the import graph behind import-linter), type-checking imports included:
a circle that only type hints close is still a circle a reader has to untangle.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import grimp

import colead

SOURCE = Path(colead.__file__).parent

#: the shells: nothing in the core may reach back into them
SHELLS = ("cli", "web")
#: what a pure statistics module may import from colead
ANALYSIS_MAY_IMPORT = ("analysis", "domain", "errors", "framework")
#: the parts above the store, which the store must never call back into
ABOVE_STORE = (
    "accounts",
    "cli",
    "development",
    "fieldwork",
    "ingest",
    "jobs",
    "mail",
    "privacy",
    "reports",
    "simulation",
    "web",
)
#: libraries that mean SQL, files of a web app or HTML, which analysis/ must not touch
NOT_PURE = ("sqlalchemy", "alembic", "jinja2", "weasyprint", "fastapi", "starlette", "openpyxl")


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("colead", include_external_packages=True)


def part(module: str) -> str:
    """``colead.fieldwork.survey`` -> ``fieldwork``; ``colead.config`` -> ``config``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else pieces[0]


def import_circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        # iterative, so a deep graph cannot hit the recursion limit
        nonlocal counter
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        circles.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return circles


def colead_edges() -> dict[str, set[str]]:
    g = graph()
    modules = {m for m in g.modules if m == "colead" or m.startswith("colead.")}
    return {m: {t for t in g.find_modules_directly_imported_by(m) if t in modules} for m in modules}


def test_the_circle_finder_finds_a_planted_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert sorted(import_circles(edges)) == [["a", "b", "c"], ["e", "e2"]]
    assert import_circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_imports_another_in_a_circle() -> None:
    circles = import_circles(colead_edges())
    assert circles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


def test_the_top_level_holds_parts_not_loose_modules() -> None:
    loose = sorted(
        p.name for p in SOURCE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}
    )
    assert len(loose) <= 6, loose
    assert not [name for name in loose if name.startswith("cli")], loose
    web = sorted(p.name for p in (SOURCE / "web").glob("*.py") if p.name != "__init__.py")
    assert len(web) <= 8, web


def test_every_folder_with_code_is_a_package_that_says_what_it_is() -> None:
    folders = {
        path.parent
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.relative_to(SOURCE).parts
    }
    assert SOURCE / "fieldwork" in folders  # the walk sees the parts
    for folder in sorted(folders):
        init = folder / "__init__.py"
        assert init.exists(), f"{folder} has modules but no __init__.py"
        assert init.read_text(encoding="utf-8").lstrip().startswith('"""'), (
            f"{init} should say in a docstring what this part of the work is"
        )


def test_only_the_shells_import_the_shells() -> None:
    g = graph()
    for shell in SHELLS:
        importers = {
            m
            for target in g.find_descendants(f"colead.{shell}") | {f"colead.{shell}"}
            for m in g.find_modules_that_directly_import(target)
        }
        outside = sorted(m for m in importers if part(m) not in {shell, "__main__"})
        assert outside == [], f"the core imports colead.{shell}: {outside}"


def test_analysis_is_pure() -> None:
    g = graph()
    for module in sorted(m for m in g.modules if m.startswith("colead.analysis")):
        for target in g.find_modules_directly_imported_by(module):
            top = target.split(".")[0]
            if top == "colead":
                assert part(target) in ANALYSIS_MAY_IMPORT, f"{module} imports {target}"
            else:
                assert top not in NOT_PURE, f"{module} imports {target}"


def test_the_store_never_calls_the_parts_above_it() -> None:
    g = graph()
    for module in sorted(m for m in g.modules if m.startswith("colead.store")):
        above = sorted(
            t
            for t in g.find_modules_directly_imported_by(module)
            if t.startswith("colead.") and part(t) in ABOVE_STORE
        )
        assert above == [], f"{module} imports {above}"


def test_only_the_store_speaks_sql_to_the_database() -> None:
    """Migrations and database drivers stay in store/ (others may be handed a Session)."""
    g = graph()
    for module in sorted(m for m in g.modules if m.startswith("colead.") and part(m) != "store"):
        for target in g.find_modules_directly_imported_by(module):
            assert not target.startswith(("alembic", "sqlite3", "psycopg")), (
                f"{module} imports {target}"
            )
