"""index on the workspaces whose sending is stopped

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 21:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STOPPED = sa.text("sending_stopped_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workspaces_sending_stopped",
            ["sending_stopped_at"],
            unique=False,
            postgresql_where=STOPPED,
            sqlite_where=STOPPED,
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index("ix_workspaces_sending_stopped")
