"""index the email bodies retention may clear

Retention (SPEC 4.8) clears the bodies of finished rows older than RETENTION_EMAIL_BODY_DAYS.
On ix_email_queue_created_at_status each daily run would walk every row already cleared on
earlier days (about 150 days of summaries between the body and the row retention) before it
found one to clear; this partial index holds only the finished rows whose body is still there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BODY_KEPT = "status in ('sent', 'skipped', 'failed') and body_text is not null"


def upgrade() -> None:
    op.create_index(
        "ix_email_queue_bodies_kept",
        "email_queue",
        ["created_at"],
        postgresql_where=sa.text(_BODY_KEPT),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_email_queue_bodies_kept",
        table_name="email_queue",
        postgresql_where=sa.text(_BODY_KEPT),
    )
