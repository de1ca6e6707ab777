"""Plain data for topics, the agenda vote, the ballot and the agenda."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import roles
from bot.domain.agenda import VoteRules
from bot.domain.status import LiveStatus, VoteStatus
from bot.services.views.base import SessionInfo, SetInfo
from bot.services.views.loop import RoundState


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
        return roles.reads_preparation(user_id, author_id=self.author_id, shared=self.shared)


@dataclass(frozen=True)
class TopicDraft:
    """What the topic modal opens on."""

    set: SetInfo
    session: SessionInfo
    topic: TopicInfo | None
    note: str | None = None  # e.g. why this is the following session
    choices: tuple[SetInfo, ...] = ()  # several sets: the modal asks which one
    # A reminder's button named this session, whose topics have closed since: ``session`` is
    # where topics go now.
    asked_for: SessionInfo | None = None


@dataclass(frozen=True)
class TopicOutcome:
    set: SetInfo
    session: SessionInfo
    topic: TopicInfo
    moved_from: SessionInfo | None = None  # the vote had opened: kept for the following session
    vote_to_refresh: int | None = None  # a withdrawal changed an open vote
    vote: VoteState | None = None  # that vote as it is now (its channel message changes)


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
    status: VoteStatus
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
    without_vote: bool = False  # every topic fitted the places: drafted at once, no vote
    # Members who will not present at it, and why (apologies, away, facilitating it).
    passed_over: dict[str, str] = field(default_factory=dict)
    # The outbox note that draws this change on the channel message (``services.announce``).
    notes: tuple[int, ...] = ()
    # The session on this agenda, once started: running in the message's thread, or ended.
    live: LiveStatus | None = None

    @property
    def is_open(self) -> bool:
        return self.status == VoteStatus.OPEN


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
    external_id: str | None = (
        None  # the modal the bot opened for this voter (``BallotService.open``)
    )


@dataclass(frozen=True)
class Allocation:
    """The committed outcome of one click on a ballot."""

    accepted: bool
    message: str | None = None  # why it was refused
    turnout_changed: bool = False  # this voter went from no votes to some, or back


@dataclass(frozen=True)
class Ballot:
    """What one click on a ballot leaves: the voter's ballot as committed (or, when it can no
    longer be shown, why), and the vote when its channel message must change."""

    panel: Panel | None
    notice: str | None = None  # the ballot is gone (the vote closed...): say why instead
    vote: VoteState | None = None  # the turnout changed: the channel message shows it
    owned: bool = True  # False: the click came from a view the bot did not open for the voter


@dataclass(frozen=True)
class VoteBrief:
    """A member's view of the set's open vote, for the Home tab: counts of their own votes."""

    vote_id: int
    session: SessionInfo
    can_vote: bool
    budget: int
    used: int


@dataclass(frozen=True)
class VoteOpened:
    """A vote just opened (or drafted at once): its state, and the session's report-back round
    when anyone has actions to report on (it comes first in the session)."""

    vote: VoteState
    round: RoundState | None = None
