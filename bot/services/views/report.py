"""What the reports show: counts and ratings only, each with how many people it comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.report import Figure


@dataclass(frozen=True)
class SessionScore:
    starts_at: datetime
    answers: int
    average: float | None  # None: too few answers to show


@dataclass(frozen=True)
class SetReport:
    """One set's figures, for its members and facilitator."""

    set_id: int
    set_name: str
    timezone: str
    held: int
    planned: int
    # Attendance saved by the facilitator: present marks, all marks, sessions recorded.
    present: int = 0
    marks: int = 0
    recorded: int = 0
    airtime: tuple[tuple[str, int, int], ...] = ()  # (member, topics presented, minutes)
    actions: dict[str, Figure] = field(default_factory=dict)  # standing -> count
    committed: Figure = field(default_factory=lambda: Figure(0, 0))
    reviews: tuple[SessionScore, ...] = ()
    logs: Figure = field(default_factory=lambda: Figure(0, 0))
    goals_written: int = 0
    goal_ratings: dict[int, int] = field(default_factory=dict)  # only from 3 answers
    goal_answers: int = 0
