"""The action-learning loop: commitments, actions, reports, report-back rounds, the log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.actions import ActionStatus
from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow


class Commitment(Base):
    """What a presenter committed to for one topic on an agenda (or with ``/als actions add``,
    linked to the set's latest session): their actions, a private note, shared or not."""

    __tablename__ = "commitments"
    __table_args__ = (
        # One commitment per agenda topic; additions outside a session have no topic.
        UniqueConstraint("topic_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_commitments_team_owner", "team_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    owner_id: Mapped[str] = mapped_column(SlackId)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    # The questions and insights that helped: for the owner alone, always.
    note: Mapped[str] = mapped_column(EncryptedText, default="")
    # Are the action titles shared with the set (who holds the owner to account)?
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    # The modal submission that created it: a repeated submit of the same view is a no-op.
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The short line in the channel (a reply in the agenda message's thread), once posted.
    line_channel_id: Mapped[str | None] = mapped_column(SlackId)
    line_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Action(Base):
    """One action a member committed to. Open until reported done or changed, or dropped."""

    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("commitment_id", "position"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_actions_team_owner_status", "team_id", "owner_id", "status"),
        Index("ix_actions_team_set", "team_id", "set_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))  # committed at
    owner_id: Mapped[str] = mapped_column(SlackId)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(EncryptedText)
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]


class ActionReport(Base):
    """An owner's report back on one action, for the report-back round of one session.
    Reporting again for the same session updates it."""

    __tablename__ = "action_reports"
    __table_args__ = (
        UniqueConstraint("action_id", "session_id"),
        Index("ix_action_reports_team_session", "team_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    owner_id: Mapped[str] = mapped_column(SlackId)
    status: Mapped[str] = mapped_column(String(16))  # done|partly|not_yet|changed
    happened: Mapped[str] = mapped_column(EncryptedText, default="")
    learned: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportRound(Base):
    """The report-back round of a session: one channel message, updated in place."""

    __tablename__ = "report_rounds"
    __table_args__ = (
        UniqueConstraint("session_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class LogEntry(Base):
    """A member's private learning-log entry about one session. Its author alone reads it."""

    __tablename__ = "log_entries"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_log_entries_team_author", "team_id", "author_id"),
        Index("ix_log_entries_team_set", "team_id", "set_id"),  # the reports' counts
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    author_id: Mapped[str] = mapped_column(SlackId)
    about_issue: Mapped[str] = mapped_column(EncryptedText, default="")
    about_set: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
