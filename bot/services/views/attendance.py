"""What the attendance use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.attendance import Answer
from bot.services.views.base import SessionInfo


@dataclass(frozen=True)
class Attendance:
    """Who is coming to one session, among the set's members: names only, never reasons."""

    session_id: int
    coming: tuple[str, ...]
    apologies: tuple[str, ...]
    late: tuple[str, ...]  # apologies given with less notice than the set agreed
    waiting: tuple[str, ...]  # no answer yet
    away: tuple[str, ...] = ()  # no answer, and away (``/als away``): as apologies


@dataclass(frozen=True)
class ApologyDraft:
    """What the "Can't come" form opens on: the member's own reason, if they gave one."""

    set_id: int
    set_name: str
    session: SessionInfo
    reason: str | None
    late: bool  # apologies now would be late
    notice_hours: int


@dataclass(frozen=True)
class AwayOutcome:
    """``/als away``: the sets it applies to, and until when (None: back)."""

    set_names: tuple[str, ...]
    until: date | None
    people: tuple[str, ...] = ()  # everyone in those sets (their Home tabs show it)


@dataclass(frozen=True)
class Presence:
    """Who came to a session that took place: preset, or as the facilitator confirmed it."""

    set_name: str
    session: SessionInfo
    members: tuple[str, ...]
    present: tuple[str, ...]
    confirmed: bool = False


@dataclass(frozen=True)
class RsvpOutcome:
    set_id: int
    set_name: str
    facilitator_id: str | None
    session: SessionInfo
    answer: Answer
    late: bool
