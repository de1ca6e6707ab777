"""session facilitators: who facilitates each session (None: the set's lead), and whether a
person chose it (a hand-over, a stand-in, the lead's reassignment) rather than the rota

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facilitator_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("facilitator_fixed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("facilitator_fixed")
        batch_op.drop_column("facilitator_id")
