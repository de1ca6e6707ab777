"""session reviews: how useful each member found a session, and one line on how the set worked

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("useful", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("answered_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_reviews_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["team_id", "set_id"],
            ["learning_sets.team_id", "learning_sets.id"],
            name=op.f("fk_session_reviews_team_id_set_id_learning_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_reviews")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_reviews_session_id_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("session_reviews")
