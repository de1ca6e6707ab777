"""ballot views: the voting modals the bot opened, bound to their voter; sets by channel

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ballot_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["agenda_votes.id"],
            name=op.f("fk_ballot_views_vote_id_agenda_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_views")),
        sa.UniqueConstraint(
            "team_id", "external_id", name=op.f("uq_ballot_views_team_id_external_id")
        ),
    )
    with op.batch_alter_table("ballot_views", schema=None) as batch_op:
        batch_op.create_index("ix_ballot_views_vote", ["vote_id"], unique=False)
    with op.batch_alter_table("learning_sets", schema=None) as batch_op:
        batch_op.create_index("ix_learning_sets_channel", ["channel_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_sets", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_sets_channel")
    with op.batch_alter_table("ballot_views", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_views_vote")
    op.drop_table("ballot_views")
