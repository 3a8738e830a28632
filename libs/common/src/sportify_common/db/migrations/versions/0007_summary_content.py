"""summary content and preferences: streak_weeks, monthly workouts and active days, email_preferences

`weekly_results.streak_weeks`, `monthly_results.workouts_count` and `monthly_results.active_days`
(SPEC 3.2, 4.3) default to 0 on the rows written before them. `email_preferences` holds a user's
opt-out of one summary kind (SPEC 12.6); no row means enabled.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.add_column("weekly_results", _count("streak_weeks"))
    op.add_column("monthly_results", _count("workouts_count"))
    op.add_column("monthly_results", _count("active_days"))
    op.create_table(
        "email_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "kind in ('weekly-summary', 'monthly-summary')", name=op.f("ck_email_preferences_kind")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_email_preferences")),
    )


def downgrade() -> None:
    op.drop_table("email_preferences")
    op.drop_column("monthly_results", "active_days")
    op.drop_column("monthly_results", "workouts_count")
    op.drop_column("weekly_results", "streak_weeks")
