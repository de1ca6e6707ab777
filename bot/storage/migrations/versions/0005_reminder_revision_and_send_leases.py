"""reminder session revision, send leases, agenda votes' end time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 21:06:15.593601
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNFINISHED = sa.text("status IN ('open', 'closed')")


def upgrade() -> None:
    op.create_table(
        "send_leases",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("until", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_send_leases")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_revision", sa.Integer(), nullable=True))

    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ends_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    # Existing votes end with their session (computed here: the two databases add minutes to
    # a timestamp differently).
    votes = sa.table(
        "agenda_votes",
        sa.column("id", sa.Integer),
        sa.column("session_id", sa.Integer),
        sa.column("ends_at", bot.storage.types.UTCDateTime(timezone=True)),
    )
    sessions = sa.table(
        "sessions",
        sa.column("id", sa.Integer),
        sa.column("starts_at", bot.storage.types.UTCDateTime(timezone=True)),
        sa.column("duration_minutes", sa.Integer),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(votes.c.id, sessions.c.starts_at, sessions.c.duration_minutes).join(
            sessions, sessions.c.id == votes.c.session_id
        )
    ).all()
    for vote_id, starts_at, minutes in rows:
        bind.execute(
            votes.update()
            .where(votes.c.id == vote_id)
            .values(ends_at=starts_at + timedelta(minutes=minutes))
        )
    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_votes_unfinished")
        batch_op.create_index(
            "ix_agenda_votes_unfinished_ends_at",
            ["ends_at"],
            unique=False,
            postgresql_where=UNFINISHED,
            sqlite_where=UNFINISHED,
        )


def downgrade() -> None:
    with op.batch_alter_table("agenda_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_votes_unfinished_ends_at")
        batch_op.create_index(
            "ix_agenda_votes_unfinished",
            ["session_id"],
            unique=False,
            postgresql_where=UNFINISHED,
            sqlite_where=UNFINISHED,
        )
        batch_op.drop_column("ends_at")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("session_revision")
    op.drop_table("send_leases")
