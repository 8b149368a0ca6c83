"""Role-only guidance: obligations on a role, apart from behaviour statements."""

from __future__ import annotations

from colead.vocab import analyse_uploads, load_families

TEXT = (
    "Senior leaders should communicate the vision. "
    "Top management shall demonstrate commitment. "
    "The relationship managers must meet monthly. "
    "Leadership is responsible for the plan. "
    "Partners work with managers who should approve changes. "
    "Both teams lead joint reviews. "
    "Managing risk is shared."
)


def test_obligations_on_roles_are_listed_apart_from_behaviours() -> None:
    report = analyse_uploads([("g.txt", TEXT.encode())], load_families())
    document = report.documents[0]
    found = [(s.role.lower(), s.obligation) for s in document.role_obligations]
    assert found == [
        ("senior leaders", "should"),
        ("top management", "shall"),
        ("the relationship managers", "must"),
        ("leadership", "is responsible for"),
    ]
    assert [s.sentence for s in document.behaviours] == [
        "Both teams lead joint reviews.",
        "Managing risk is shared.",
    ]
    assert all(s.line == 1 for s in document.role_obligations)
