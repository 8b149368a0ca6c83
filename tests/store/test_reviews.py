"""Names of reviews and waves: each must stay one segment of a web address."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from builders import default_framework
from colead.errors import InvalidData
from colead.store import transaction
from colead.store.reviews import get_or_create_review, register_framework
from colead.store.schema import Review, Wave
from colead.store.waves import create_wave

pytestmark = pytest.mark.integration


def test_a_new_review_name_with_a_slash_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidData) as caught, transaction(engine) as session:
        get_or_create_review(session, "Client/Supplier")
    assert "'Client-Supplier'" in (caught.value.hint or "")
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_new_wave_name_with_a_slash_is_refused(engine: Engine) -> None:
    with transaction(engine) as session:
        review, _ = get_or_create_review(session, "Client - Supplier")
        version = register_framework(session, default_framework())
        review_id, version_id = review.id, version.id
    with pytest.raises(InvalidData, match="contains '/'"), transaction(engine) as session:
        create_wave(session, review_id, "2026/Q1", version_id)
    with transaction(engine) as session:
        create_wave(session, review_id, "2026-Q1", version_id)
        assert list(session.scalars(select(Wave.name))) == ["2026-Q1"]
