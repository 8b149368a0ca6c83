"""released answers: the forms and reaction answers that published results are built from

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the anonymity floor: answers already shown under the old rules keep being shown
_FLOOR = 3


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("programme_reaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    # Closed waves published every submitted form before: those stay published.
    op.execute(
        "UPDATE response SET released_at = COALESCE("
        "(SELECT wave.closed_at FROM assignment JOIN wave ON wave.id = assignment.wave_id"
        " WHERE assignment.id = response.assignment_id), CURRENT_TIMESTAMP)"
        " WHERE submitted_at IS NOT NULL AND assignment_id IN ("
        "SELECT assignment.id FROM assignment JOIN wave ON wave.id = assignment.wave_id"
        " WHERE wave.status = 'closed')"
    )
    # Reaction summaries were shown from the minimum on: answers of programmes that had
    # reached it stay published.
    op.execute(
        "UPDATE programme_reaction SET released_at = submitted_at"
        " WHERE submitted_at IS NOT NULL AND enrolment_id IN ("
        "SELECT enrolment.id FROM enrolment WHERE enrolment.programme_id IN ("
        "SELECT e.programme_id FROM enrolment e JOIN programme_reaction r"
        " ON r.enrolment_id = e.id WHERE r.submitted_at IS NOT NULL"
        f" GROUP BY e.programme_id HAVING COUNT(*) >= {_FLOOR}))"
    )


def downgrade() -> None:
    with op.batch_alter_table("programme_reaction", schema=None) as batch_op:
        batch_op.drop_column("released_at")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("released_at")
