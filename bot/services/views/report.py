"""What the reports show: counts and ratings only, each with how many people it comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.report import Cell, Figure


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
    # Held sessions, oldest first: (day, attendance % or None, usefulness or None (from 3)).
    sessions: tuple[tuple[object, int | None, float | None], ...] = ()


#: The programme report's columns, in order.
COLUMNS = (
    ("members", "Members"),
    ("held", "Sessions held"),
    ("planned", "Sessions planned"),
    ("attendance", "Attendance"),
    ("topics", "Topics presented"),
    ("committed", "Actions committed"),
    ("done", "Actions done"),
    ("useful", "Usefulness (1-5)"),
    ("logs", "Log entries"),
    ("goals", "Goals written"),
    ("rated", "Goal progress (1-5)"),
)


@dataclass(frozen=True)
class ProgrammeRow:
    """One set's figures for an organiser, or the total: each cell a Cell (see
    ``bot.domain.report``); ``hidden`` names the cells not shown."""

    name: str
    group: str | None
    cells: dict[str, Cell]
    hidden: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProgrammeReport:
    group: str | None  # the filter asked for (None: every set)
    rows: tuple[ProgrammeRow, ...]
    total: ProgrammeRow | None
    groups: tuple[str, ...] = ()  # the groups the workspace's sets are in


@dataclass(frozen=True)
class MyExport:
    """Every record of one workspace about one member (``/als export``), nothing of others':
    named sections, in the order they are written, each a tuple of records (field -> value)."""

    team_id: str
    user_id: str
    generated_at: datetime
    sections: tuple[tuple[str, tuple[Mapping[str, object], ...]], ...]

    @property
    def empty(self) -> bool:
        return not any(records for _, records in self.sections)


@dataclass(frozen=True)
class SharedActions:
    """A set's shared actions, for its members; private ones as counts per member."""

    set_name: str
    actions: tuple[tuple[object, ...], ...]  # (session day, owner, action, target, status)
    private: dict[str, int]


@dataclass(frozen=True)
class SessionRow:
    """One session of the programme CSV: its cells, each hidden below 3 people."""

    set_name: str
    group: str | None
    day: object
    held: bool
    cells: dict[str, Cell]
