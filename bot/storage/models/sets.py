"""Workspaces, sets, their members and their sessions."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.retention import DEFAULT_RETENTION_DAYS
from bot.domain.status import SessionStatus, SetStatus
from bot.storage.crypto import EncryptedText
from bot.storage.models.base import Base, SlackId
from bot.storage.types import utcnow

STOPPED_WORKSPACE = "sending_stopped_at IS NOT NULL"
#: Sets whose free text the retention pass may still have to clear (``bot.domain.retention``).
RETENTION_PENDING = "retention_days IS NOT NULL AND texts_cleared_at IS NULL"


class Workspace(Base):
    """A Slack workspace the app is installed in."""

    __tablename__ = "workspaces"
    __table_args__ = (
        # The scheduler's "workspaces whose sending is stopped" each tick: an index over the
        # stopped ones only, so the pass does not scan every workspace.
        Index(
            "ix_workspaces_sending_stopped",
            "sending_stopped_at",
            postgresql_where=text(STOPPED_WORKSPACE),
            sqlite_where=text(STOPPED_WORKSPACE),
        ),
    )

    team_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninstalled_at: Mapped[datetime | None]
    # Slack refused the token (invalid_auth, token_revoked, account_inactive): the scheduler
    # stops sending to this workspace until it is installed again.
    sending_stopped_at: Mapped[datetime | None]
    sending_stopped_reason: Mapped[str | None] = mapped_column(String(64))
    # A rotating token's refresh, claimed by one process at a time (``storage.installations``).
    token_refresh_by: Mapped[str | None] = mapped_column(String(64))
    token_refresh_until: Mapped[datetime | None]


class LearningSet(Base):
    """An Action Learning Set, bound to one channel of one workspace."""

    __tablename__ = "learning_sets"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id"),
        UniqueConstraint("team_id", "id"),
        # A channel shared between workspaces (Slack Connect) has one id in all of them.
        Index("ix_learning_sets_channel", "channel_id"),
        # The retention pass's "sets not cleared yet": over those sets only.
        Index(
            "ix_learning_sets_retention_pending",
            "retention_days",
            postgresql_where=text(RETENTION_PENDING),
            sqlite_where=text(RETENTION_PENDING),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId, ForeignKey("workspaces.team_id"))
    channel_id: Mapped[str] = mapped_column(SlackId)
    name: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    # Recurrence anchor: the series is anchor_date + n * cadence, at session_time local.
    anchor_date: Mapped[date] = mapped_column(Date)
    session_time: Mapped[time] = mapped_column(Time)
    cadence_weeks: Mapped[int] = mapped_column(Integer)
    session_minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(500))
    facilitator_participates: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ground_rules: Mapped[str] = mapped_column(EncryptedText)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=SetStatus.ACTIVE.value)
    created_by: Mapped[str] = mapped_column(SlackId)
    # The modal submission that created the set: a repeated submit of the same view is a no-op.
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The start of the latest planned session (the planning horizon).
    planned_until: Mapped[datetime | None]
    # When the scheduler must plan this set again (sessions and their reminders): the end of
    # its earliest upcoming session, or now when something changed. The tick only looks at
    # sets whose mark has passed (an indexed query), never at every set.
    replan_at: Mapped[datetime | None] = mapped_column(index=True)
    # The end of the programme: a number of sessions and/or a last date (none: open-ended).
    programme_sessions: Mapped[int | None] = mapped_column(Integer)
    programme_ends_on: Mapped[date | None] = mapped_column(Date)
    # Slack refused a post to the set's channel for good (not_in_channel, is_archived...): the
    # facilitator was told once.
    channel_unreachable: Mapped[str | None] = mapped_column(String(64))
    # Retention: members' free text is cleared this many days after the set's last session
    # (None: kept); when the scheduler cleared it.
    retention_days: Mapped[int | None] = mapped_column(
        Integer, default=DEFAULT_RETENTION_DAYS, server_default=text(str(DEFAULT_RETENTION_DAYS))
    )
    texts_cleared_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="learning_set", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[PlannedSession]] = relationship(
        back_populates="learning_set", cascade="all, delete-orphan"
    )


class Membership(Base):
    """A person in a set. The facilitator is a member with an extra role."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("set_id", "user_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_memberships_team_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(SlackId)
    is_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    # The member's own zone (Slack profile, refreshed at set-up): quiet hours for their DMs.
    tz: Mapped[str | None] = mapped_column(String(64))
    # Slack refused a reminder for this member for good (user_disabled...): the facilitator
    # was told once; no further reminders are sent to them.
    unreachable: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    # ``/als away until``: no prompts or nudges, and sessions on or before this date (in the
    # set's zone) count as apologies.
    away_until: Mapped[date | None] = mapped_column(Date)

    learning_set: Mapped[LearningSet] = relationship(back_populates="memberships")

    @property
    def active(self) -> bool:
        return self.left_at is None


class RulesAgreement(Base):
    """A member agreed to a version of the set's ground rules."""

    __tablename__ = "rules_agreements"
    __table_args__ = (
        UniqueConstraint("set_id", "user_id", "rules_version"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(SlackId)
    rules_version: Mapped[int] = mapped_column(Integer)
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlannedSession(Base):
    """One occurrence of a set's meeting: local date and time, its zone, and the UTC instant."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("set_id", "starts_at"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_sessions_team_starts", "team_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.PLANNED.value)
    # The recurrence date this session stands for (kept when it is moved, so the series goes
    # on from it); None for an extra session the facilitator added.
    series_date: Mapped[date | None] = mapped_column(Date)
    # Bumped each time the session is moved (the "moved" notice of each move is its own row).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who facilitates this session (None: the set's lead). The rota fills it; ``fixed`` when a
    # person chose it (a hand-over, a stand-in, the lead's reassignment): the rota leaves it.
    facilitator_id: Mapped[str | None] = mapped_column(SlackId)
    facilitator_fixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    learning_set: Mapped[LearningSet] = relationship(back_populates="sessions")
