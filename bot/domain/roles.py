"""The roles in a set, as the practice defines them. Pure: no Slack, no SQL.

A set has members, one of whom facilitates. The facilitator brings topics and votes only when
the set says the facilitator participates (a self-facilitating set, or a facilitator who is also
a peer). Who may *do* what is decided by ``bot.services.access``, from these definitions and what
the database says now.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Member(Protocol):
    """What the roles need to know of a membership."""

    @property
    def user_id(self) -> str: ...

    @property
    def is_facilitator(self) -> bool: ...


def facilitator_of(members: Iterable[Member]) -> str | None:
    """The facilitator among a set's active members (None: the set has none now)."""
    return next((m.user_id for m in members if m.is_facilitator), None)


def participates(*, is_facilitator: bool, facilitator_participates: bool) -> bool:
    """Does this member bring topics (and count among the set's participants)?"""
    return not is_facilitator or facilitator_participates


def presents_while_facilitating(*, facilitator_participates: bool) -> bool:
    """May a member bring a topic to a session they facilitate (a rota's turn, a stand-in)?
    Only when the set says the facilitator participates; they vote either way."""
    return facilitator_participates


def votes(*, is_facilitator: bool, facilitator_votes: bool) -> bool:
    """Does this member vote on the agenda, under a vote whose rules say ``facilitator_votes``
    (the set's "facilitator participates", fixed with the vote's rules at its first vote)?"""
    return not is_facilitator or facilitator_votes


def reads_preparation(reader_id: str, *, author_id: str, shared: bool) -> bool:
    """May ``reader_id`` read a topic's preparation (not just its title)? Private preparation
    is its author's alone; shared preparation is the set's."""
    return shared or reader_id == author_id
