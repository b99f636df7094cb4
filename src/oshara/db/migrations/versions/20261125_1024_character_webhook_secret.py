"""character webhook secret

The Standard Webhooks signing secret of a character's ``http`` tools (encrypted at rest with
``oshara.crypto.SecretBox``) and when it was created. Both nullable: no secret, no signing.

Plain ``ADD COLUMN`` / ``DROP COLUMN`` on both backends (SQLite >= 3.35 drops columns in
place), so ``characters`` is never recreated and nothing that references it is touched.

Revision ID: 38451602c81b
Revises: 9dfdfb4fea6a
Create Date: 2026-11-25 10:24:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import oshara.db.base

revision: str = "38451602c81b"
down_revision: str | None = "9dfdfb4fea6a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("characters", sa.Column("webhook_secret", sa.Text(), nullable=True))
    op.add_column(
        "characters",
        sa.Column(
            "webhook_secret_created_at",
            oshara.db.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("characters", "webhook_secret_created_at")
    op.drop_column("characters", "webhook_secret")
