"""What a live session's messages and private answers show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.live import Clock, Stage, Step
from bot.domain.questions import Card
from bot.services.views.base import SessionInfo, SetInfo


@dataclass(frozen=True)
class PartInfo:
    id: int
    position: int
    title: str  # the topic's title ("" for the opening and the closing)
    presenter_id: str | None
    minutes: int
    question: str | None
    topic_id: int | None
    message_ts: str | None


@dataclass(frozen=True)
class LiveState:
    """A live session as one of its parts' messages draws it."""

    id: int
    set: SetInfo
    session: SessionInfo
    facilitator_id: str | None
    steps: tuple[Step, ...]
    clock: Clock
    revision: int
    part: PartInfo  # the part this message is about
    parts: int  # how many parts the session has
    thread_ts: str | None
    channel_id: str
    skipped: tuple[str, ...] = ()  # presenters whose topic was dropped (cannot come)
    round_ts: str | None = None  # the session's report-back round message, if posted
    round_link: str | None = None  # its permalink (asked of Slack when the opening is drawn)
    notes: tuple[int, ...] = ()  # the outbox notes that draw the change

    @property
    def current(self) -> Step:
        return self.steps[self.clock.step]

    @property
    def here(self) -> bool:
        """Is the session in this message's part now?"""
        return not self.clock.ended and self.current.part == self.part.position

    @property
    def stages(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.part == self.part.position)

    @property
    def done(self) -> bool:
        """Has the session gone past this part?"""
        return self.clock.ended or self.current.part > self.part.position

    @property
    def value(self) -> str:
        """The buttons' value: the live session and the revision the click saw."""
        return f"{self.id}.{self.revision}"


@dataclass(frozen=True)
class LiveMoved:
    """A change to a live session: the notes that draw it, and who should hear of it."""

    live_id: int
    team_id: str
    notes: tuple[int, ...]
    channel_id: str
    stage: Stage | None  # the stage now (None: ended)
    ended: bool = False
    #: The set's members whose Home tab shows the change (started, a new stage, ended; empty
    #: when the Home tab shows nothing new: a time-out, +5 min, the presenter's question).
    homes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LiveBrief:
    """A set's session running live, as its members' Home tab shows it."""

    live_id: int
    stage: Stage  # the current stage, as the stored clock has it (as its message shows it)
    position: int  # the current part (0 the opening, then the topics, the last the closing)
    parts: int
    title: str  # the current topic's title ("" for the opening and the closing)
    channel_id: str
    #: The message to link to: the current part's in the agenda's thread, else the agenda
    #: message whose thread the session runs in (None: neither posted yet).
    message_ts: str | None
    link: str | None = None  # its permalink (asked of Slack when the Home tab is built)


@dataclass(frozen=True)
class LiveCue:
    """A private answer during a live session: a cue card, or the process questions."""

    set_name: str
    stage: Stage
    cards: tuple[Card, ...]
    facilitator: bool = False
    at: datetime | None = None
