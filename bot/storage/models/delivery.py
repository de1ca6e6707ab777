"""What the scheduler owes and who sends it: reminders and per-workspace send leases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.delivery import State
from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow

#: Reminder rows still to be delivered (the claim query's partial index).
LIVE_REMINDER = f"status IN ('{State.PENDING}', '{State.CLAIMED}')"
#: Outbox notes still to be delivered (the same condition, for the outbox's partial index).
LIVE_NOTE = LIVE_REMINDER
#: A message kept in place has at most one note waiting and one in flight (its latest state is
#: rendered when a note is sent, so one waiting note stands for any number of changes).
KEPT_PENDING = f"ref_id IS NOT NULL AND status = '{State.PENDING}'"
KEPT_CLAIMED = f"ref_id IS NOT NULL AND status = '{State.CLAIMED}'"


class Reminder(Base):
    """One message the scheduler owes: a kind of reminder about one session for one target (a
    member's user id, or the set's channel id: never NULL, so the unique key always holds).

    ``send_after`` is when it may next be sent: its due time (shifted out of the target's quiet
    hours), a retry time, or, while ``claimed``, the end of the claiming process's lease (a
    row whose lease ran out was being sent by a process that died)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("session_id", "target", "kind"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index(
            "ix_reminders_live_send_after",
            "send_after",
            postgresql_where=text(LIVE_REMINDER),
            sqlite_where=text(LIVE_REMINDER),
        ),
        Index("ix_reminders_team_set", "team_id", "set_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    target: Mapped[str] = mapped_column(SlackId)
    kind: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[datetime]
    send_after: Mapped[datetime]
    # After this the message would be useless (a prep prompt once the session has started):
    # it is skipped, and recorded as skipped, instead of sent late.
    useful_until: Mapped[datetime]
    # pending | claimed | sent | skipped | failed | unknown
    status: Mapped[str] = mapped_column(String(16), default=State.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts whose outcome nobody knows (timeout, or the sending process died mid-call).
    ambiguous: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # Why it ended as it did, or why the last attempt failed (a Slack error code, never text).
    reason: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The session's revision this reminder was planned for. A reminder in flight while its
    # session moved is re-planned (or followed by a notice) when its outcome is recorded.
    session_revision: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SendLease(Base):
    """Which scheduler process sends a workspace's reminders now. One process at a time per
    workspace, so that process's pacer is the workspace's pacer: N scheduler processes never
    send N times the workspace budget. Taken or extended with each claim; another process may
    take it over once ``until`` has passed (its holder stopped sending or died)."""

    __tablename__ = "send_leases"

    team_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]


class OutboxNote(Base):
    """One message the app owes after answering a request (``bot.domain.outbox``): written in
    the transaction of the change it announces, delivered right after the ack or by a later
    scheduler pass, with the reminders' delivery fields. ``facts`` holds what the note says
    beyond the database's current state (ids and flags: never message text); the target is a
    member's user id, or the set's channel id."""

    __tablename__ = "outbox"
    __table_args__ = (
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index(
            "ix_outbox_live_send_after",
            "send_after",
            postgresql_where=text(LIVE_NOTE),
            sqlite_where=text(LIVE_NOTE),
        ),
        Index("ix_outbox_team_set", "team_id", "set_id"),
        Index(
            "ux_outbox_kept_pending",
            "team_id",
            "kind",
            "ref_id",
            unique=True,
            postgresql_where=text(KEPT_PENDING),
            sqlite_where=text(KEPT_PENDING),
        ),
        Index(
            "ux_outbox_kept_claimed",
            "team_id",
            "kind",
            "ref_id",
            unique=True,
            postgresql_where=text(KEPT_CLAIMED),
            sqlite_where=text(KEPT_CLAIMED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    target: Mapped[str] = mapped_column(SlackId)
    facts: Mapped[dict[str, Any] | None]
    # The message kept in place this note draws (the vote's id, the round's id), or None.
    ref_id: Mapped[int | None] = mapped_column(Integer)
    send_after: Mapped[datetime]
    useful_until: Mapped[datetime]
    # pending | claimed | sent | skipped | failed | unknown
    status: Mapped[str] = mapped_column(String(16), default=State.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ambiguous: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
