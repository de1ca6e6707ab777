"""Plain data for set-up, membership and the sessions calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.domain.questions import Bank
from bot.domain.status import SessionChangeKind
from bot.services.views.agenda import VoteState
from bot.services.views.attendance import Attendance
from bot.services.views.base import SessionInfo, SetInfo


@dataclass(frozen=True)
class SetupDraft:
    """What the set-up modal opens on: a new set (``existing`` None) or the channel's set."""

    channel_id: str
    existing: SetInfo | None
    caller_tz: str | None
    external_id: str | None = None  # the modal's, sealed for the caller (``access.SetupSeal``)


@dataclass(frozen=True)
class SetupOutcome:
    set: SetInfo
    created: bool
    repeated: bool = False  # the same submission arrived twice: nothing was changed
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    # Added to a running set (``bot.domain.newcomers``): each is welcomed, with when they joined.
    newcomers: tuple[tuple[str, datetime], ...] = ()
    rules_changed: bool = False
    schedule_changed: bool = False
    previous_facilitator: str | None = None
    # Sessions cancelled because the programme now ends earlier.
    cancelled: tuple[SessionInfo, ...] = ()
    # The channel, as Slack showed it at the submission (for the facilitator's confirmation).
    public_channel: bool = False
    not_in_channel: tuple[str, ...] = ()  # members who are not in the channel yet
    not_in_set: tuple[str, ...] = ()  # people in the channel who are not in the set
    open_votes: tuple[VoteState, ...] = ()  # changed by removed members: their messages too
    # The outbox notes written with the change (``bot.services.outbox``), to deliver after the
    # ack: the channel's announcement, the requests to agree, the facilitator's confirmation.
    notes: tuple[int, ...] = ()

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
class Departure:
    """A member left: the set as it is now, and its open votes (their messages change)."""

    set: SetInfo
    user_id: str
    open_votes: tuple[VoteState, ...] = ()


@dataclass(frozen=True)
class Calendar:
    """``/als sessions``: a set's upcoming sessions, for one reader."""

    set: SetInfo
    sessions: tuple[SessionInfo, ...]  # planned, not over, earliest first
    facilitator: bool  # the reader is the set's lead: Add a session
    now: datetime
    answers: dict[int, str] = field(default_factory=dict)  # session id -> the reader's answer
    attendance: dict[int, Attendance] = field(default_factory=dict)  # sessions they facilitate
    facilitating: frozenset[int] = frozenset()  # sessions the reader may move or cancel


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

    kind: SessionChangeKind
    set: SetInfo
    session: SessionInfo  # as it is now
    before: SessionInfo | None  # as it was (moved, cancelled)
    calendar: Calendar
    by: str


@dataclass(frozen=True)
class RotaView:
    """``/als rota``: how facilitation works in a set, and who facilitates its coming sessions
    (``set.upcoming``, each with its facilitator)."""

    set: SetInfo
    order: tuple[str, ...]  # the members in turn, as the rota stands
    lead: bool  # the reader is the set's lead: they may change it
    reader: str
    turns_changed: tuple[str, ...] = ()  # after a change: members whose coming turns moved


@dataclass(frozen=True)
class HandoverDraft:
    """What the hand-over form opens on: a session its reader facilitates (or leads)."""

    set: SetInfo
    session: SessionInfo
    current: str | None  # who facilitates it now
    lead: bool  # the reader is the set's lead: they may also give it directly


@dataclass(frozen=True)
class Handover:
    """A hand-over asked, or decided. ``taken_by`` is set once someone facilitates the session
    in the place of ``asked_by`` (accepted, or given by the lead)."""

    request_id: int | None  # None: the lead gave it directly
    ask: str  # ``bot.domain.rota.Ask``
    set: SetInfo
    session: SessionInfo
    asked_by: str
    asked_of: str | None  # the member asked (a hand-over, a direct assignment)
    taken_by: str | None = None
    declined: bool = False
    previous: str | None = None  # who facilitated it before it was taken over


@dataclass(frozen=True)
class QuestionCards:
    """``/als questions``: the cue cards of the set's question bank; the facilitator's process
    questions only for who facilitates (a session, or the set as its lead)."""

    set: SetInfo
    bank: Bank
    facilitating: bool
    lead: bool
