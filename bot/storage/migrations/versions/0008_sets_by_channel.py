"""sets by channel: an index for the set-up's question "does a set meet in this channel?"

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 20:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learning_sets", schema=None) as batch_op:
        batch_op.create_index("ix_learning_sets_channel", ["channel_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_sets", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_sets_channel")
