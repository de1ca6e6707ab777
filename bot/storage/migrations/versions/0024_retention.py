"""retention: a set's ``retention_days`` (members' free text cleared that many days after its
last session; NULL: kept; 90 for the sets there are) and when the scheduler cleared it, with
an index over the sets not cleared yet.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 23:11:45
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

PENDING = "retention_days IS NOT NULL AND texts_cleared_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("learning_sets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention_days", sa.Integer(), server_default=sa.text("90"), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "texts_cleared_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            "ix_learning_sets_retention_pending",
            ["retention_days"],
            unique=False,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )


def downgrade() -> None:
    with op.batch_alter_table("learning_sets", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_learning_sets_retention_pending",
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
        batch_op.drop_column("texts_cleared_at")
        batch_op.drop_column("retention_days")
