"""the due index keyed for a walk that goes on where it stopped; the due alerts apart

The mailer's drain claimed from the start of ix_email_queue_due ((kind = 'alert') desc,
next_attempt_at, created_at) at every claim, stepping over the entries of every row sent
since the last vacuum. Keyed (next_attempt_at, created_at, id), a claim starts after the
last row its walk took (a row comparison the index answers); the due alerts, which every
claim takes first, get a small partial index of their own (issue 17, bench/README.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DUE = "status in ('pending', 'retrying')"
_DUE_ALERT = "status in ('pending', 'retrying') and kind = 'alert'"


def upgrade() -> None:
    op.drop_index("ix_email_queue_due", table_name="email_queue")
    op.create_index(
        "ix_email_queue_due",
        "email_queue",
        ["next_attempt_at", "created_at", "id"],
        postgresql_where=sa.text(_DUE),
    )
    op.create_index(
        "ix_email_queue_due_alerts",
        "email_queue",
        ["next_attempt_at", "created_at", "id"],
        postgresql_where=sa.text(_DUE_ALERT),
    )


def downgrade() -> None:
    op.drop_index("ix_email_queue_due_alerts", table_name="email_queue")
    op.drop_index("ix_email_queue_due", table_name="email_queue")
    op.create_index(
        "ix_email_queue_due",
        "email_queue",
        [sa.literal_column("(kind = 'alert') DESC"), "next_attempt_at", "created_at"],
        postgresql_where=sa.text(_DUE),
    )
