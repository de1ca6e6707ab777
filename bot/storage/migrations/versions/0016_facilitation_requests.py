"""facilitation requests: a session handed over to a member, or a stand-in asked of the set

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitation_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_user", sa.String(length=32), nullable=False),
        sa.Column("to_user", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_facilitation_requests_session_id_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id", "set_id"],
            ["learning_sets.team_id", "learning_sets.id"],
            name=op.f("fk_facilitation_requests_team_id_set_id_learning_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitation_requests")),
    )
    op.create_index(
        "ix_facilitation_requests_session",
        "facilitation_requests",
        ["session_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_facilitation_requests_session", table_name="facilitation_requests")
    op.drop_table("facilitation_requests")
