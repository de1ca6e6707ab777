"""SQLAlchemy 2 typed models. Every table carries the Slack workspace (``team_id``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.storage.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SlackId = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


STOPPED_WORKSPACE = "sending_stopped_at IS NOT NULL"


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


class LearningSet(Base):
    """An Action Learning Set, bound to one channel of one workspace."""

    __tablename__ = "learning_sets"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id"),
        UniqueConstraint("team_id", "id"),
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
    ground_rules: Mapped[str] = mapped_column(Text)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="active")
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
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | cancelled
    # The recurrence date this session stands for (kept when it is moved, so the series goes
    # on from it); None for an extra session the facilitator added.
    series_date: Mapped[date | None] = mapped_column(Date)
    # Bumped each time the session is moved (the "moved" notice of each move is its own row).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learning_set: Mapped[LearningSet] = relationship(back_populates="sessions")


class Topic(Base):
    """A member's response for one session: a topic (private or shared), or "no topic"."""

    __tablename__ = "topics"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id"),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
        Index("ix_topics_team_set", "team_id", "set_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    author_id: Mapped[str] = mapped_column(SlackId)
    status: Mapped[str] = mapped_column(String(16))  # submitted | no_topic | withdrawn
    title: Mapped[str] = mapped_column(String(80), default="")
    scenario: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text, default="")
    tried: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Carried over from an earlier session where it was not chosen: wins ties.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: Votes still open, or closed but not confirmed (the partial index and its queries).
UNFINISHED_VOTE = "status IN ('open', 'closed')"


class AgendaVote(Base):
    """The agenda vote of one session, and then its agenda (same channel message)."""

    __tablename__ = "agenda_votes"
    __table_args__ = (
        UniqueConstraint("session_id"),
        # The tick's "votes of sessions that have ended": an index range on when they end,
        # over unfinished votes only (its cost does not grow with the votes still running).
        Index(
            "ix_agenda_votes_unfinished_ends_at",
            "ends_at",
            postgresql_where=text(UNFINISHED_VOTE),
            sqlite_where=text(UNFINISHED_VOTE),
        ),
        ForeignKeyConstraint(["team_id", "set_id"], ["learning_sets.team_id", "learning_sets.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    # open -> closed (agenda drafted, the facilitator may adjust) -> confirmed; or skipped.
    status: Mapped[str] = mapped_column(String(16), default="open")
    channel_id: Mapped[str] = mapped_column(SlackId)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The rules in force; frozen (rules_fixed) once the first vote is cast.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rules_fixed: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by: Mapped[str] = mapped_column(SlackId)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # The end of its session (kept in step when the session moves): a vote still unfinished
    # then is closed and confirmed by the scheduler.
    ends_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]


class VoteAllocation(Base):
    """How many of one voter's votes one topic has."""

    __tablename__ = "vote_allocations"
    __table_args__ = (
        UniqueConstraint("vote_id", "voter_id", "topic_id"),
        Index("ix_vote_allocations_vote_voter", "vote_id", "voter_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    vote_id: Mapped[int] = mapped_column(ForeignKey("agenda_votes.id"))
    voter_id: Mapped[str] = mapped_column(SlackId)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AgendaItem(Base):
    """A chosen topic on a session's agenda: its place and minutes. Items of confirmed agendas
    form the set's airtime ledger (who presented, when, for how long)."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("vote_id", "topic_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    vote_id: Mapped[int] = mapped_column(ForeignKey("agenda_votes.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    presenter_id: Mapped[str] = mapped_column(SlackId)
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    votes: Mapped[int] = mapped_column(Integer, default=0)


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
    note: Mapped[str] = mapped_column(Text, default="")
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
    text: Mapped[str] = mapped_column(String(300))
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|done|changed|dropped
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
    happened: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
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
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    set_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    author_id: Mapped[str] = mapped_column(SlackId)
    about_issue: Mapped[str] = mapped_column(Text, default="")
    about_set: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: Reminder rows still to be delivered (the claim query's partial index).
LIVE_REMINDER = "status IN ('pending', 'claimed')"


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
    status: Mapped[str] = mapped_column(String(16), default="pending")
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
