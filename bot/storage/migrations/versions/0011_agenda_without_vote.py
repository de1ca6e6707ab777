"""agenda without a vote: a session whose topics all fit its places has its agenda drafted at
once, and says so (no vote counts, no vote ordering)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("without_vote", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.drop_column("without_vote")
