"""operator controls: schedule_states and backfills (SPEC 3.2, 12.1, 12.2)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_states",
        sa.Column("job_name", sa.Text(), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("note", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("job_name", name=op.f("pk_schedule_states")),
    )
    op.create_table(
        "backfills",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_name", sa.Text(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("reprocess", sa.Text(), nullable=False),
        sa.Column("send_emails", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'running'"), nullable=False),
        sa.Column(
            "periods",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "job_name in ('weekly-events', 'monthly-events')", name=op.f("ck_backfills_job_name")
        ),
        sa.CheckConstraint(
            "reprocess in ('missing', 'failed', 'all')", name=op.f("ck_backfills_reprocess")
        ),
        sa.CheckConstraint(
            "status in ('running', 'completed', 'failed', 'cancelled')",
            name=op.f("ck_backfills_status"),
        ),
        sa.CheckConstraint("period_from <= period_to", name=op.f("ck_backfills_period_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfills")),
    )
    op.create_index("ix_backfills_created_at_id", "backfills", ["created_at", "id"])
    op.create_index(
        "ix_backfills_running",
        "backfills",
        ["created_at"],
        postgresql_where=sa.text("status = 'running'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_backfills_running", table_name="backfills", postgresql_where=sa.text("status = 'running'")
    )
    op.drop_index("ix_backfills_created_at_id", table_name="backfills")
    op.drop_table("backfills")
    op.drop_table("schedule_states")
