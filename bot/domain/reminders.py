"""What the scheduler owes each set, and when: reminder kinds, their timing, quiet hours.

Pure rules, no database and no Slack. Offsets in days are calendar days at the same local
wall-clock time in the set's zone (a prompt "7 days before" a 10:00 session is at 10:00 a week
earlier, whatever daylight saving does in between); offsets in minutes are elapsed time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from bot.domain import schedule as sched


class Kind(StrEnum):
    PREP_PROMPT = "prep_prompt"  # DM: prepare your topic (button opens the topic modal)
    PREP_NUDGE = "prep_nudge"  # DM: only to members who have not answered
    REPORT_REMINDER = "report_reminder"  # DM: your open actions, with Report back buttons
    SESSION_POST = "session_post"  # channel: the session's time, counts of topics and reports
    AUTO_VOTE = "auto_vote"  # channel: the agenda vote opens by itself (set setting)
    REFLECTION = "reflection"  # DM: invite a learning-log entry
    MOVED = "moved"  # DM: a session you were reminded about moved (one per move: "moved:2")
    CANCELLED = "cancelled"  # DM: a session you were reminded about was cancelled
    QUORUM = "quorum"  # DM to the facilitator: too few can come (Move / Cancel)
    ATTENDANCE = "attendance"  # DM to the facilitator after a session: who came (a checklist)
    FACILITATOR_PREP = "facilitator_prep"  # DM to the session's facilitator: their checklist
    REVIEW = "review"  # DM after a session: how useful was it (1-5), anonymous
    HEADS_UP = "heads_up"  # DM to the facilitator: two poor sessions, or someone missing twice

    @property
    def to_channel(self) -> bool:
        return self in (Kind.SESSION_POST, Kind.AUTO_VOTE)

    @property
    def resend_when_unsure(self) -> bool:
        """After an attempt whose outcome is unknown (a timeout: Slack has no idempotency key),
        send again (risking a duplicate) or not (risking a loss)? The prompts people act on
        are resent; the nudge ("at most one") and courtesy notices are not."""
        return self in (
            Kind.PREP_PROMPT,
            Kind.REPORT_REMINDER,
            Kind.SESSION_POST,
            Kind.AUTO_VOTE,
        )


def kind_of(stored: str) -> Kind:
    """``moved:3`` (the notice of a session's third revision) is a ``moved`` notice."""
    return Kind(stored.split(":", 1)[0])


#: Member DMs wait out these hours in the member's own zone.
QUIET_FROM = time(20, 0)
QUIET_UNTIL = time(8, 0)


@dataclass(frozen=True)
class ReminderSettings:
    """A set's reminder offsets (stored in ``LearningSet.settings``; defaults from the issue)."""

    prep_days: int = 7  # or half the interval between sessions, if that is shorter
    nudge_days: int = 2
    report_days: int = 3
    post_minutes: int = 60  # session-day post, before the start
    reflection_minutes: int = 60  # after the end
    auto_vote: bool = False
    quorum_days: int = 2  # the facilitator hears if too few can come

    KEYS = (
        "prep_days",
        "nudge_days",
        "report_days",
        "post_minutes",
        "reflection_minutes",
        "quorum_days",
    )

    @classmethod
    def load(cls, settings: dict[str, Any] | None) -> ReminderSettings:
        raw = (settings or {}).get("reminders") or {}
        if not isinstance(raw, dict):
            raw = {}
        values: dict[str, Any] = {}
        for key in cls.KEYS:
            value = raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                values[key] = value
        if isinstance(raw.get("auto_vote"), bool):
            values["auto_vote"] = raw["auto_vote"]
        return cls(**values)

    def dump(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SessionFacts:
    """What planning needs to know about one session."""

    starts_at: datetime  # UTC
    local_date: date
    local_time: time
    timezone: str
    duration_minutes: int
    cadence_weeks: int


@dataclass(frozen=True)
class Planned:
    """One reminder to plan: its kind, target, due time and the moment it becomes useless."""

    kind: Kind
    target: str
    due_at: datetime
    useful_until: datetime


def days_before(session: SessionFacts, days: float) -> datetime:
    """The same local wall-clock time ``days`` earlier (fractional days: half-day steps), as
    a UTC instant; a wall-clock time that does not exist moves to the first valid minute."""
    local = datetime.combine(session.local_date, session.local_time) - timedelta(days=days)
    _, instant = sched.resolve_local(local.date(), local.time(), sched.zone(session.timezone))
    return instant


def prep_offset_days(cfg: ReminderSettings, cadence_weeks: int) -> float:
    """7 days (the setting), or half the interval between sessions if that is shorter."""
    return min(float(cfg.prep_days), cadence_weeks * 7 / 2)


def plan_for_session(
    session: SessionFacts,
    cfg: ReminderSettings,
    *,
    channel_id: str,
    members: list[str],
    presenters: list[str],
    facilitator: str | None = None,
) -> list[Planned]:
    """Every reminder of one session. ``members``: active members (report-back reminders and
    reflection prompts); ``presenters``: those asked for topics (members who participate);
    ``facilitator``: the session's facilitator (their preparation, the quorum check, who
    came)."""
    start = session.starts_at
    end = sched.session_end(start, session.duration_minutes)
    out: list[Planned] = []
    prompt_at = days_before(session, prep_offset_days(cfg, session.cadence_weeks))
    nudge_at = days_before(session, cfg.nudge_days)
    for user in presenters:
        out.append(Planned(Kind.PREP_PROMPT, user, prompt_at, start))
        if nudge_at > prompt_at:  # never before (or with) the prompt itself
            out.append(Planned(Kind.PREP_NUDGE, user, nudge_at, start))
    report_at = days_before(session, cfg.report_days)
    reflect_at = end + timedelta(minutes=cfg.reflection_minutes)
    for user in members:
        out.append(Planned(Kind.REPORT_REMINDER, user, report_at, start))
        # The closing review when the session ends; the reflection prompt follows it.
        out.append(Planned(Kind.REVIEW, user, end, end + timedelta(days=3)))
        # A reflection is worth writing for a few days; after that the next prompt comes.
        out.append(Planned(Kind.REFLECTION, user, reflect_at, reflect_at + timedelta(days=3)))
    out.append(
        Planned(Kind.SESSION_POST, channel_id, start - timedelta(minutes=cfg.post_minutes), start)
    )
    if cfg.auto_vote:
        out.append(Planned(Kind.AUTO_VOTE, channel_id, start, end))
    if facilitator is not None:
        # The session's facilitator prepares too: who is coming, topics in, report-backs due.
        out.append(Planned(Kind.FACILITATOR_PREP, facilitator, prompt_at, start))
        out.append(Planned(Kind.QUORUM, facilitator, days_before(session, cfg.quorum_days), start))
        # A checklist of who came is worth filling in for a few days, like a reflection.
        out.append(Planned(Kind.ATTENDANCE, facilitator, end, end + timedelta(days=3)))
        # Once the reviews are in: anything the facilitator should know (often nothing).
        heads_up = end + timedelta(days=2)
        out.append(Planned(Kind.HEADS_UP, facilitator, heads_up, heads_up + timedelta(days=1)))
    return out


def quiet_hours_end(at: datetime, tz_name: str | None) -> datetime | None:
    """If ``at`` falls in the quiet hours (20:00-08:00) of ``tz_name``, the instant they end
    (08:00 local, the next morning if needed); otherwise None. An unknown zone: no quiet hours
    can be computed, so none apply."""
    if not tz_name or not sched.is_valid_zone(tz_name):
        return None
    tz = sched.zone(tz_name)
    local = at.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if QUIET_UNTIL <= clock < QUIET_FROM:
        return None
    day = local.date() if clock < QUIET_UNTIL else local.date() + timedelta(days=1)
    _, instant = sched.resolve_local(day, QUIET_UNTIL, tz)
    return instant


def deliverable_at(kind: Kind, due: datetime, tz_name: str | None) -> datetime:
    """When a reminder due at ``due`` may be delivered: channel posts at once, DMs out of the
    target's quiet hours."""
    if kind.to_channel:
        return due
    return quiet_hours_end(due, tz_name) or due
