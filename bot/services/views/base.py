"""Plain data for a set and its sessions, shared by every view model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.domain import roles
from bot.domain.agenda import VoteRules
from bot.domain.attendance import AttendanceSettings
from bot.domain.live import DEFAULT_TEMPLATE
from bot.domain.reminders import ReminderSettings
from bot.domain.retention import DEFAULT_RETENTION_DAYS
from bot.domain.rota import RotaSettings
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
    facilitator_id: str | None = None  # a member the rota or a hand-over gave it (None: the lead)

    def facilitator(self, lead: str | None) -> str | None:
        """Who facilitates it: its own facilitator, else the set's lead."""
        return self.facilitator_id or lead

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
    attendance: AttendanceSettings = field(default_factory=AttendanceSettings)
    away: dict[str, date] = field(default_factory=dict)  # member -> away until (still to come)
    rota: RotaSettings = field(default_factory=RotaSettings)
    stages: tuple[int, ...] = DEFAULT_TEMPLATE  # a topic's stages in minutes (the live session)
    retention_days: int | None = DEFAULT_RETENTION_DAYS  # None: members' texts are kept

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
            u
            for u in self.member_ids
            if roles.participates(
                is_facilitator=u == self.facilitator_id,
                facilitator_participates=self.facilitator_participates,
            )
        )

    @property
    def not_agreed(self) -> tuple[str, ...]:
        return tuple(u for u in self.member_ids if u not in self.agreed_ids)
