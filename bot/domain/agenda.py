"""Agenda rules: dot voting, the fairness tie-break, and the time split. Pure: no Slack, no SQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from bot.domain.text import count

OPENING_MINUTES = 15
CLOSING_MINUTES = 10
BUDGET = 3
CAP = 2

TIE_BREAK_RULE = (
    "Most votes first. Ties: a topic carried over from an earlier session wins, then the presenter "
    "who has presented fewer topics in this set, then the one who presented longest ago (or never), "
    "then the earlier submission. A presenter who has sent apologies or is away for the session, "
    "or who facilitates it, is passed over: their topic carries over."
)

#: Why a presenter is passed over in a session (their topic carries over to the next).
CANT_COME = "can't come"
FACILITATES = "facilitates this session"


@dataclass(frozen=True)
class VoteRules:
    """The settings that govern a vote (fixed once its first vote is cast)."""

    budget: int = BUDGET  # votes per voter per session
    cap: int = CAP  # votes per voter per topic
    self_vote: bool = False  # may a presenter vote for their own topic?
    facilitator_votes: bool = False  # follows the set's "facilitator participates"
    slots: int | None = None  # topics chosen; None = 2 under 2 hours, 3 otherwise
    opening_minutes: int = OPENING_MINUTES  # report-back round
    closing_minutes: int = CLOSING_MINUTES  # closing reflection

    def dump(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> VoteRules:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def slots_for(self, session_minutes: int) -> int:
        if self.slots:
            return self.slots
        return 2 if session_minutes < 120 else 3


def allocation_problem(
    rules: VoteRules,
    *,
    voter_is_author: bool,
    current_total: int,
    current_on_topic: int,
    new_on_topic: int,
) -> str | None:
    """Why setting a voter's votes on one topic to ``new_on_topic`` is refused (None if allowed).
    Taking votes back is always allowed."""
    if new_on_topic < 0:
        return "That is not a number of votes."
    if new_on_topic <= current_on_topic:
        return None
    if voter_is_author and not rules.self_vote:
        return "You can't vote for your own topic."
    if new_on_topic > rules.cap:
        return f"A topic can get at most {rules.cap} of your votes."
    total = current_total - current_on_topic + new_on_topic
    if total > rules.budget:
        left = rules.budget - (current_total - current_on_topic)
        return (
            f"You can give this topic {count(left, 'vote')} at most: to give it more, take votes "
            "back from another topic first."
        )
    return None


@dataclass(frozen=True)
class Candidate:
    topic_id: int
    author_id: str
    votes: int
    carried: bool
    presented_count: int
    last_presented_at: datetime | None
    submitted_at: datetime
    absent: bool = False  # the presenter will not present: apologies, away, or facilitating


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Order topics for the agenda (see ``TIE_BREAK_RULE``)."""

    def key(c: Candidate) -> tuple[Any, ...]:
        never = c.last_presented_at is None
        last = c.last_presented_at.timestamp() if c.last_presented_at else 0.0
        return (
            -c.votes,
            not c.carried,
            c.presented_count,
            not never,
            last,
            c.submitted_at,
            c.topic_id,
        )

    return sorted(candidates, key=key)


def choose(candidates: list[Candidate], slots: int) -> list[Candidate]:
    """The agenda's topics: the first ``slots`` of the ranking whose presenter will be there.
    The others carry over to the next session."""
    return [c for c in rank(candidates) if not c.absent][:slots]


@dataclass(frozen=True)
class TimeSplit:
    minutes: tuple[int, ...]
    available: int
    rule: str


def split_minutes(session_minutes: int, topics: int, rules: VoteRules) -> TimeSplit:
    """Session length minus the opening round and the closing reflection, split evenly; spare
    minutes go one each to the first topics."""
    available = max(0, session_minutes - rules.opening_minutes - rules.closing_minutes)
    rule = (
        f"{session_minutes} min session − {rules.opening_minutes} min report-back round − "
        f"{rules.closing_minutes} min closing reflection = {available} min, split evenly"
    )
    if topics <= 0:
        return TimeSplit(minutes=(), available=available, rule=rule)
    base, spare = divmod(available, topics)
    if spare:
        rule += " (the spare minutes go to the first topics)"
    return TimeSplit(
        minutes=tuple(base + (1 if i < spare else 0) for i in range(topics)),
        available=available,
        rule=rule,
    )
