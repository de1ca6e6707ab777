"""Plain data handed from services to renderers (no ORM objects leave a unit of work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.domain.agenda import VoteRules
from bot.domain.reminders import ReminderSettings
from bot.domain.sets import Schedule


@dataclass(frozen=True)
class SessionInfo:
    id: int
    starts_at: datetime
    duration_minutes: int
    local_date: date
    local_time: time
    timezone: str
    revision: int = 1  # bumped by each move
    extra: bool = False  # added by the facilitator, outside the series

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def moved(self) -> bool:
        return self.revision > 1


@dataclass(frozen=True)
class SetInfo:
    id: int
    team_id: str
    channel_id: str
    name: str
    timezone: str
    anchor_date: date
    session_time: time
    cadence_weeks: int
    session_minutes: int
    place: str | None
    facilitator_id: str | None
    facilitator_participates: bool
    member_ids: tuple[str, ...]  # active members, the facilitator included
    ground_rules: str
    rules_version: int
    agreed_ids: frozenset[str]
    upcoming: tuple[SessionInfo, ...] = field(default=())
    rules: VoteRules = field(default_factory=VoteRules)
    # The programme's end (none: open-ended) and the reminder offsets.
    programme_sessions: int | None = None
    programme_ends_on: date | None = None
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    @property
    def next_session(self) -> SessionInfo | None:
        return self.upcoming[0] if self.upcoming else None

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            anchor_date=self.anchor_date,
            session_time=self.session_time,
            timezone=self.timezone,
            cadence_weeks=self.cadence_weeks,
            session_minutes=self.session_minutes,
        )

    @property
    def participants(self) -> tuple[str, ...]:
        return tuple(
            u for u in self.member_ids if u != self.facilitator_id or self.facilitator_participates
        )

    @property
    def not_agreed(self) -> tuple[str, ...]:
        return tuple(u for u in self.member_ids if u not in self.agreed_ids)


@dataclass(frozen=True)
class SetupOutcome:
    set: SetInfo
    created: bool
    repeated: bool = False  # the same submission arrived twice: nothing was changed
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rules_changed: bool = False
    schedule_changed: bool = False
    previous_facilitator: str | None = None
    # Sessions cancelled because the programme now ends earlier.
    cancelled: tuple[SessionInfo, ...] = ()

    @property
    def facilitator_changed(self) -> bool:
        return self.previous_facilitator is not None

    @property
    def needs_agreement(self) -> tuple[str, ...]:
        """Who must be asked to agree to the ground rules now."""
        if self.repeated:
            return ()
        if self.created or self.rules_changed:
            return self.set.member_ids
        return tuple(u for u in self.added if u not in self.set.agreed_ids)


@dataclass(frozen=True)
class TopicInfo:
    id: int
    set_id: int
    session_id: int
    author_id: str
    status: str
    title: str
    scenario: str
    question: str
    tried: str
    shared: bool
    carried: bool
    submitted_at: datetime

    def readable_by(self, user_id: str) -> bool:
        """May ``user_id`` read the preparation (not just the title)? Private: the author only."""
        return self.shared or user_id == self.author_id


@dataclass(frozen=True)
class TopicDraft:
    """What the topic modal opens on."""

    set: SetInfo
    session: SessionInfo
    topic: TopicInfo | None
    note: str | None = None  # e.g. why this is the following session
    choices: tuple[SetInfo, ...] = ()  # several sets: the modal asks which one


@dataclass(frozen=True)
class TopicOutcome:
    set: SetInfo
    session: SessionInfo
    topic: TopicInfo
    moved_from: SessionInfo | None = None  # the vote had opened: kept for the following session
    vote_to_refresh: int | None = None  # a withdrawal changed an open vote


@dataclass(frozen=True)
class AgendaEntry:
    topic: TopicInfo
    position: int
    minutes: int
    votes: int


@dataclass(frozen=True)
class Airtime:
    user_id: str
    sessions: int
    minutes: int


@dataclass(frozen=True)
class VoteState:
    id: int
    set: SetInfo
    session: SessionInfo
    status: str  # open | closed | confirmed | skipped
    channel_id: str
    message_ts: str | None
    rules: VoteRules
    topics: tuple[TopicInfo, ...]  # submitted topics, in submission order
    voters: int  # members who have cast at least one vote
    eligible: int  # members who may vote
    agenda: tuple[AgendaEntry, ...] = ()
    carried_over: tuple[TopicInfo, ...] = ()
    rule_text: str = ""
    airtime: tuple[Airtime, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Panel:
    """One voter's private view of an open vote: what their ballot needs, nothing more."""

    vote_id: int
    rules: VoteRules
    topics: tuple[TopicInfo, ...]
    voter_id: str
    allocations: dict[int, int]
    remaining: int
    message: str | None = None  # why the last click was refused


@dataclass(frozen=True)
class Allocation:
    """The committed outcome of one click on a ballot."""

    accepted: bool
    message: str | None = None  # why it was refused
    turnout_changed: bool = False  # this voter went from no votes to some, or back


@dataclass(frozen=True)
class TopicOverview:
    """Who has answered for the session open for topics: names only, and the reader's own topic
    (the only preparation this carries)."""

    session: SessionInfo | None
    participates: bool
    mine: TopicInfo | None
    submitted: tuple[str, ...]
    no_topic: tuple[str, ...]
    waiting: tuple[str, ...]


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

    @property
    def reported(self) -> bool:
        return self.private_reported == self.private_total and all(s for _, s in self.shared)


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

    @property
    def waiting(self) -> tuple[str, ...]:
        return tuple(m.user_id for m in self.members if not m.reported)


@dataclass(frozen=True)
class ReportOutcome:
    action: ActionInfo
    session: SessionInfo
    report: ReportInfo
    round: RoundState | None  # the posted round message to update in place


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
class VoteBrief:
    """A member's view of the set's open vote, for the Home tab: counts of their own votes."""

    vote_id: int
    session: SessionInfo
    can_vote: bool
    budget: int
    used: int


@dataclass(frozen=True)
class Dashboard:
    """One set on one member's Home tab."""

    set: SetInfo
    topics: TopicOverview
    actions: tuple[ActionInfo, ...]  # the reader's open actions in this set
    vote: VoteBrief | None
    round: RoundState | None = None  # facilitator: report-back progress for the next session
    logs: LogCount | None = None  # facilitator: learning-log entries about the last session


@dataclass(frozen=True)
class Calendar:
    """``/als sessions``: a set's upcoming sessions, for one reader."""

    set: SetInfo
    sessions: tuple[SessionInfo, ...]  # planned, not over, earliest first
    facilitator: bool  # the reader facilitates: Move, Cancel and Add buttons
    now: datetime


@dataclass(frozen=True)
class SessionDraft:
    """What the Move / Add a session modal opens on."""

    set: SetInfo
    session: SessionInfo | None  # None: a new extra session
    local_date: date | None
    local_time: time


@dataclass(frozen=True)
class SessionChange:
    """A session moved, cancelled or added (committed), with the facilitator's fresh list."""

    kind: str  # moved | cancelled | added
    set: SetInfo
    session: SessionInfo  # as it is now
    before: SessionInfo | None  # as it was (moved, cancelled)
    calendar: Calendar
    by: str
