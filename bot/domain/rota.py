"""The facilitator rota: who facilitates each session. Pure: no Slack, no SQL.

The practice (``ALS_PRACTICE.md``): an external coach often facilitates the first 2-3 sessions,
then the role rotates among members until the set runs itself; someone stands in when the
facilitator cannot come. The set's *lead* (who set it up) facilitates whatever the rota does not
give to a member, and keeps the facilitator's powers over every session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_COACH_SESSIONS = 12
MAX_TURNS = 6


class RotaMode(StrEnum):
    LEAD = "lead"  # the lead facilitates every session
    COACH = "coach"  # the lead (a coach) for the first sessions, then members in turn
    MEMBERS = "members"  # members in turn from the first session


MODE_LABELS = {
    RotaMode.LEAD: "The lead facilitates every session",
    RotaMode.COACH: "The lead for the first sessions, then members in turn",
    RotaMode.MEMBERS: "Members in turn from the start",
}


@dataclass(frozen=True)
class RotaSettings:
    """How facilitation works in a set (stored in ``LearningSet.settings["rota"]``)."""

    mode: RotaMode = RotaMode.LEAD
    coach_sessions: int = 2  # with ``COACH``: how many sessions the lead facilitates first
    turns: int = 1  # sessions each member facilitates in a row
    order: tuple[str, ...] = ()  # members in turn; empty: the fair order (``fair_order``)

    @classmethod
    def load(cls, settings: dict[str, Any] | None) -> RotaSettings:
        raw = (settings or {}).get("rota")
        if not isinstance(raw, dict):
            return cls()
        values: dict[str, Any] = {}
        if raw.get("mode") in {m.value for m in RotaMode}:
            values["mode"] = RotaMode(raw["mode"])
        for name, high in (("coach_sessions", MAX_COACH_SESSIONS), ("turns", MAX_TURNS)):
            value = raw.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= high:
                values[name] = value
        order = raw.get("order")
        if isinstance(order, list) and all(isinstance(u, str) for u in order):
            values["order"] = tuple(order)
        return cls(**values)

    def dump(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "coach_sessions": self.coach_sessions,
            "turns": self.turns,
            "order": list(self.order),
        }

    @property
    def rotates(self) -> bool:
        return self.mode != RotaMode.LEAD


@dataclass(frozen=True)
class Candidate:
    """A member who may take a turn: when they joined, and when they last presented."""

    user_id: str
    joined_at: datetime
    last_presented_at: datetime | None = None


def fair_order(candidates: Sequence[Candidate]) -> list[str]:
    """The default order of turns: members who joined first go first; those who joined last,
    and those who have just presented, go later (a presenter gets time to act before they
    hold the process). Ties keep the given order (the set-up's order of members)."""
    latest = max((c.last_presented_at for c in candidates if c.last_presented_at), default=None)

    def key(pair: tuple[int, Candidate]) -> tuple[Any, ...]:
        position, c = pair
        just_presented = latest is not None and c.last_presented_at == latest
        return (just_presented, c.joined_at, position)

    return [c.user_id for _, c in sorted(enumerate(candidates), key=key)]


def order_of(settings: RotaSettings, candidates: Sequence[Candidate]) -> list[str]:
    """The turns as they stand: the set's chosen order, kept to members who may take a turn,
    then anyone it does not name yet (a member who joined since) in the fair order."""
    present = {c.user_id for c in candidates}
    chosen = [u for u in dict.fromkeys(settings.order) if u in present]
    return chosen + [u for u in fair_order(candidates) if u not in chosen]


def facilitator_at(index: int, settings: RotaSettings, order: Sequence[str]) -> str | None:
    """Who facilitates the set's ``index``-th session (0 = the first; cancelled sessions are
    not counted) under the rota; None: the lead."""
    if settings.mode == RotaMode.LEAD or not order:
        return None
    start = settings.coach_sessions if settings.mode == RotaMode.COACH else 0
    if index < start:
        return None
    return order[((index - start) // settings.turns) % len(order)]


# -- hand-overs and stand-ins -----------------------------------------------------------------
class Ask(StrEnum):
    """What a session's facilitator asks (the hand-over form's choice)."""

    MEMBER = "member"  # one member, who accepts or declines
    STANDIN = "standin"  # the set: the first member to accept stands in (a skipped turn)
    ASSIGN = "assign"  # the lead gives the session to a member at once


class RequestStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # replaced by a newer request for the same session


def ask_problem(
    ask: Ask, member: str | None, *, current: str | None, members: Sequence[str], lead: bool
) -> str | None:
    """Why this hand-over cannot be asked (None: it can). ``current``: who facilitates the
    session now; ``members``: the set's active members."""
    if ask == Ask.ASSIGN and not lead:
        return "Only the set's lead gives a session to a member directly: ask them instead."
    if ask == Ask.STANDIN:
        return None
    if not member:
        return "Choose the member."
    if member not in members:
        return "That person is not a member of this set."
    if member == current:
        return "They already facilitate this session."
    return None


def take_problem(
    kind: str, status: str, *, user: str, asked_by: str, asked_of: str | None, current: str | None
) -> str | None:
    """Why ``user`` cannot take the session a request offers (None: they can)."""
    if status == RequestStatus.ACCEPTED:
        return "Someone has already taken this session over."
    if status != RequestStatus.OPEN:
        return "This request is no longer open."
    if kind == Ask.MEMBER and user != asked_of:
        return "This request was sent to someone else."
    if user in (asked_by, current):
        return "You already facilitate this session."
    return None
