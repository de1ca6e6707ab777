"""sealed text: the free-text columns that were bounded strings become text, so that a value
sealed by ``bot.storage.crypto`` fits (an action's text, a goal's rating note, a review line).
Rows written in clear stay readable; ``als-bot rotate-keys`` seals them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_WIDENED = (
    ("actions", "text", 300),
    ("member_goals", "note", 200),
    ("session_reviews", "note", 200),
)


def upgrade() -> None:
    for table, column, length in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=length),
                type_=sa.Text(),
                existing_nullable=column == "note",
            )


def downgrade() -> None:
    for table, column, length in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.String(length=length),
                existing_nullable=column == "note",
            )
