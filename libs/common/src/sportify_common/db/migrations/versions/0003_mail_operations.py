"""mail operations: email_suppressions, audit_log, clearable email bodies, the `test` kind

`email_queue.body_text`, `body_html` and `headers` become nullable: retention clears them on
old rows (SPEC 4.8). `email_suppressions` holds the addresses that get no email (SPEC 4.4);
`audit_log` one row per operator action (SPEC 12).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_BEFORE = "kind in ('weekly-summary', 'monthly-summary', 'alert')"
_KINDS_AFTER = "kind in ('weekly-summary', 'monthly-summary', 'alert', 'test')"


def upgrade() -> None:
    for column in ("body_text", "body_html", "headers"):
        op.alter_column("email_queue", column, nullable=True)
    op.drop_constraint(op.f("ck_email_queue_kind"), "email_queue", type_="check")
    op.create_check_constraint(op.f("ck_email_queue_kind"), "email_queue", _KINDS_AFTER)

    op.create_table(
        "email_suppressions",
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("email_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source in ('bounce', 'operator')", name=op.f("ck_email_suppressions_source")
        ),
        sa.CheckConstraint(
            "address = lower(address)", name=op.f("ck_email_suppressions_address_lower_case")
        ),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_email_suppressions")),
    )
    op.create_index(
        "ix_email_suppressions_expires_at",
        "email_suppressions",
        ["expires_at"],
        postgresql_where=sa.text("expires_at is not null"),
    )
    op.create_index("ix_email_suppressions_created_at", "email_suppressions", ["created_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at_id", "audit_log", ["at", "id"])
    op.create_index("ix_audit_log_action_at_id", "audit_log", ["action", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_at_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_email_suppressions_created_at", table_name="email_suppressions")
    op.drop_index(
        "ix_email_suppressions_expires_at",
        table_name="email_suppressions",
        postgresql_where=sa.text("expires_at is not null"),
    )
    op.drop_table("email_suppressions")
    op.drop_constraint(op.f("ck_email_queue_kind"), "email_queue", type_="check")
    op.execute("delete from email_queue where kind = 'test'")
    op.create_check_constraint(op.f("ck_email_queue_kind"), "email_queue", _KINDS_BEFORE)
    op.execute("update email_queue set headers = '{}'::jsonb where headers is null")
    op.execute(
        "update email_queue set body_text = '', body_html = '' "
        "where body_text is null or body_html is null"
    )
    for column in ("headers", "body_html", "body_text"):
        op.alter_column("email_queue", column, nullable=False)
