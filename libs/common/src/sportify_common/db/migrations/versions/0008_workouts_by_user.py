"""workouts by user: the index a preview reads one user's circle through

A preview (SPEC 12.3) takes one user's and their friends' workouts of the last 53 weeks; the
only index so far leads with `start_time`, so that lookup scanned every workout of the window.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_workouts_user_id_start_time", "workouts", ["user_id", "start_time"])


def downgrade() -> None:
    op.drop_index("ix_workouts_user_id_start_time", table_name="workouts")
