"""session client address

Who started a session, for the per-address share of a character's concurrent slots: the
client's address (``oshara.clientaddr``) and whether the start carried the owner's
credentials (owner starts never count against an address's anonymous share).

Plain ``ADD COLUMN`` / ``DROP COLUMN`` on both backends; ``sessions`` is not recreated.

Revision ID: 5c0e7d1a9b32
Revises: 38451602c81b
Create Date: 2026-12-04 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0e7d1a9b32"
down_revision: str | None = "38451602c81b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("client_addr", sa.String(length=64), nullable=True))
    op.add_column(
        "sessions",
        sa.Column("authenticated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("sessions", "authenticated")
    op.drop_column("sessions", "client_addr")
