"""Plain data for the action-learning loop: actions, report-backs, the round, the learning log
and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.reminders import Kind
from bot.domain.review import Summary
from bot.services.views.attendance import Attendance, Presence
from bot.services.views.base import SessionInfo, SetInfo


@dataclass(frozen=True)
class ReportInfo:
    action_id: int
    session_id: int
    status: str
    happened: str
    learned: str


@dataclass(frozen=True)
class ActionInfo:
    id: int
    set_id: int
    set_name: str
    channel_id: str
    owner_id: str
    committed_at: SessionInfo  # the session the action was committed at
    position: int
    text: str
    target: date | None
    shared: bool
    status: str  # open | done | changed | dropped
    report: ReportInfo | None = None  # the report for the coming report-back round, if any


@dataclass(frozen=True)
class CommitDraft:
    """What the "Commit actions" modal opens on."""

    set: SetInfo
    session: SessionInfo
    topic_id: int | None
    topic_title: str | None
    commitment_id: int | None
    actions: tuple[ActionInfo, ...]  # the commitment's actions that were not dropped
    note: str
    shared: bool


@dataclass(frozen=True)
class CommitOutcome:
    set: SetInfo
    session: SessionInfo
    commitment_id: int
    owner_id: str
    topic_title: str | None
    actions: tuple[ActionInfo, ...]  # not dropped, by position
    shared: bool
    repeated: bool = False  # the same submission arrived twice: nothing was changed
    # Where the short channel line goes: the agenda message's thread (None: the channel).
    thread_ts: str | None = None
    line_ts: str | None = None  # the line already posted, to update in place
    # The outbox notes written with the change (``services.announce``): the presenter's
    # confirmation, the line's latest state.
    notes: tuple[int, ...] = ()

    @property
    def has_line(self) -> bool:
        """The channel shows (or is to show) a line about it: posted, or shared with actions."""
        return bool(self.line_ts or (self.shared and self.actions))


@dataclass(frozen=True)
class Dropped:
    """An action dropped: its commitment as it is now, and the owner's open actions."""

    commitment: CommitOutcome
    open_actions: tuple[ActionInfo, ...]


@dataclass(frozen=True)
class ReportDraft:
    action: ActionInfo
    session: SessionInfo  # the session whose report-back round this report is for
    report: ReportInfo | None


@dataclass(frozen=True)
class RoundMember:
    user_id: str
    shared: tuple[tuple[str, str | None], ...]  # (action, reported status or None)
    private_total: int
    private_reported: int
    # Shared actions of sessions before the set's newest member joined: counted, not quoted.
    earlier_total: int = 0
    earlier_reported: int = 0

    @property
    def reported(self) -> bool:
        return (
            self.private_reported == self.private_total
            and self.earlier_reported == self.earlier_total
            and all(s for _, s in self.shared)
        )


@dataclass(frozen=True)
class RoundState:
    """The report-back round of a session: statuses of shared actions, counts of private ones.
    Never what was written in a report."""

    id: int | None
    set: SetInfo
    session: SessionInfo
    channel_id: str
    message_ts: str | None
    members: tuple[RoundMember, ...]
    # The outbox note that draws this change on the channel message (``services.announce``).
    notes: tuple[int, ...] = ()

    @property
    def waiting(self) -> tuple[str, ...]:
        return tuple(m.user_id for m in self.members if not m.reported)


@dataclass(frozen=True)
class ReportOutcome:
    action: ActionInfo
    session: SessionInfo
    report: ReportInfo
    round: RoundState | None  # the posted round message to update in place
    facilitator_id: str | None = None  # their Home tab shows the progress


@dataclass(frozen=True)
class LogInfo:
    id: int
    set_id: int
    set_name: str
    session: SessionInfo
    about_issue: str
    about_set: str
    updated_at: datetime


@dataclass(frozen=True)
class LogSaved:
    """A learning-log entry saved, for its author; the facilitator's Home counts who wrote."""

    entry: LogInfo
    facilitator_id: str | None


@dataclass(frozen=True)
class LogDraft:
    set: SetInfo
    session: SessionInfo
    entry: LogInfo | None


@dataclass(frozen=True)
class LogCount:
    """How many members wrote a learning-log entry about a session: names, never content."""

    session: SessionInfo | None
    written: tuple[str, ...]
    members: int


@dataclass(frozen=True)
class OpenAction:
    id: int
    text: str
    shared: bool


@dataclass(frozen=True)
class Context:
    """Everything one reminder's message needs, read just before sending (never stored)."""

    kind: Kind
    set_id: int
    set_name: str
    channel_id: str
    target: str
    session_id: int
    starts_at: datetime
    ends_at: datetime
    facilitator_id: str | None
    topics_in: int = 0
    reports_in: int = 0
    reporters: int = 0
    actions: tuple[OpenAction, ...] = ()
    attendance: Attendance | None = None  # the session post; the quorum check
    min_members: int = 0  # the quorum check: the set's minimum
    presence: Presence | None = None  # after the session: who came, preset (a checklist)
    poor_sessions: bool = False  # the heads-up: the last two sessions were rated poorly
    goal: str | None = None  # the review: what it offers about the member's goal (a Nudge)
    missing: tuple[str, ...] = ()  # the heads-up: members absent from the last two sessions


@dataclass(frozen=True)
class ReviewOutcome:
    """A member's review of a session, as saved (their own answer: only they see it)."""

    set_id: int
    set_name: str
    session: SessionInfo
    useful: int | None
    note: str | None
    goal: str | None = None  # what the DM offers about the member's goal (a Nudge)


@dataclass(frozen=True)
class ReviewTrend:
    """A set's reviews of its last held sessions (oldest first): counts, and averages only
    from three answers on; for the facilitator, the lines of the latest shown session."""

    sessions: tuple[tuple[SessionInfo, Summary], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoalView:
    """A member's own goal in one set (only they ever see its text)."""

    set_id: int
    set_name: str
    goal: str | None
    writable_until: datetime | None  # None: the set has not met yet (any time)
    writable: bool
    rating: int | None = None
    note: str | None = None
    saved: bool = False  # just saved (the confirmation)
