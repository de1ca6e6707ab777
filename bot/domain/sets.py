"""Rules for setting up a set: what a valid set-up looks like. Pure: no Slack, no SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from bot.domain.agenda import BUDGET, CAP, CLOSING_MINUTES, OPENING_MINUTES, VoteRules
from bot.domain.attendance import MAX_NOTICE_HOURS, AttendanceSettings
from bot.domain.directory import UserFacts
from bot.domain.live import parse_template
from bot.domain.reminders import ReminderSettings
from bot.domain.retention import DEFAULT_RETENTION_DAYS
from bot.domain.schedule import (
    CADENCE_WEEKS,
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    is_valid_zone,
    occurrence_on,
)

NAME_MAX = 80
PLACE_MAX = 500
RULES_MAX = 3000
MIN_PARTICIPANTS = 2
MAX_PARTICIPANTS = 12
RECOMMENDED_PARTICIPANTS = (5, 7)
MAX_PROGRAMME_SESSIONS = 100

_DEFAULT_REMINDERS = ReminderSettings()
PREP_DAYS = _DEFAULT_REMINDERS.prep_days
NUDGE_DAYS = _DEFAULT_REMINDERS.nudge_days
REPORT_DAYS = _DEFAULT_REMINDERS.report_days
POST_MINUTES = _DEFAULT_REMINDERS.post_minutes
REFLECTION_MINUTES = _DEFAULT_REMINDERS.reflection_minutes
# Bounds of the reminder offsets in the set-up modal: field -> (low, high).
REMINDER_BOUNDS: dict[str, tuple[int, int]] = {
    "prep_days": (1, 28),
    "nudge_days": (1, 14),
    "report_days": (1, 14),
    "post_minutes": (5, 720),
    "reflection_minutes": (0, 1440),
    "quorum_days": (1, 14),
}

DEFAULT_GROUND_RULES = """\
1. Confidentiality: what is said in the set stays in the set. Share your own learning, never someone else's story.
2. Attendance: come to every session, on time, for the whole session. If you cannot, tell the set in advance.
3. Speaking time: the presenter owns their time. Keep contributions short so everyone is heard.
4. Questions before advice: ask open questions that help the presenter think; hold back advice and your own stories unless asked.
5. Commitment: the presenter decides their actions and reports back on them next time.
6. Respect: challenge ideas, support people. Phones away while someone presents."""


@dataclass(frozen=True)
class SetupForm:
    """What the facilitator entered in the set-up modal, already parsed into Python values."""

    name: str
    facilitator_id: str | None
    member_ids: tuple[str, ...]
    timezone: str
    first_date: date | None
    first_time: time | None
    cadence_weeks: int | None
    session_minutes: int | None
    place: str | None
    facilitator_participates: bool
    ground_rules: str
    # Agenda settings (see bot.domain.agenda.VoteRules); slots 0 means automatic.
    budget: int | None = BUDGET
    cap: int | None = CAP
    self_vote: bool = False
    slots: int = 0
    opening_minutes: int | None = OPENING_MINUTES
    closing_minutes: int | None = CLOSING_MINUTES
    # The programme's end (both optional: open-ended).
    programme_sessions: int | None = None
    programme_ends_on: date | None = None
    # Reminder offsets (see bot.domain.reminders.ReminderSettings); None: not a whole number.
    prep_days: int | None = PREP_DAYS
    nudge_days: int | None = NUDGE_DAYS
    report_days: int | None = REPORT_DAYS
    post_minutes: int | None = POST_MINUTES
    reflection_minutes: int | None = REFLECTION_MINUTES
    auto_vote: bool = False
    quorum_days: int | None = None
    # Apologies later than this many hours before a session are marked late (None: default);
    # fewer than ``min_members`` able to come: the facilitator hears (None: default).
    notice_hours: int | None = None
    min_members: int | None = None
    # A topic's stages in minutes, as typed ("5, 10, 15, 3, 5"; see bot.domain.live).
    stages: str = ""
    # Members' free text is cleared this many days after the last session (None: kept).
    retention_days: int | None = DEFAULT_RETENTION_DAYS
    # False: the form showed the essentials only, and everything above from ``budget`` on (and
    # the facilitator's part and the ground rules) is the set's as it stands, or the defaults.
    more: bool = True

    def reminder_settings(self) -> ReminderSettings:
        return ReminderSettings(
            prep_days=PREP_DAYS if self.prep_days is None else self.prep_days,
            nudge_days=NUDGE_DAYS if self.nudge_days is None else self.nudge_days,
            report_days=REPORT_DAYS if self.report_days is None else self.report_days,
            post_minutes=POST_MINUTES if self.post_minutes is None else self.post_minutes,
            reflection_minutes=REFLECTION_MINUTES
            if self.reflection_minutes is None
            else self.reflection_minutes,
            auto_vote=self.auto_vote,
            quorum_days=_DEFAULT_REMINDERS.quorum_days
            if self.quorum_days is None
            else self.quorum_days,
        )

    def attendance_settings(self) -> AttendanceSettings:
        default = AttendanceSettings()
        return AttendanceSettings(
            notice_hours=default.notice_hours if self.notice_hours is None else self.notice_hours,
            min_members=default.min_members if self.min_members is None else self.min_members,
        )

    def vote_rules(self) -> VoteRules:
        return VoteRules(
            budget=self.budget or BUDGET,
            cap=self.cap or CAP,
            self_vote=self.self_vote,
            facilitator_votes=self.facilitator_participates,
            slots=self.slots or None,
            opening_minutes=self.opening_minutes
            if self.opening_minutes is not None
            else OPENING_MINUTES,
            closing_minutes=self.closing_minutes
            if self.closing_minutes is not None
            else CLOSING_MINUTES,
        )

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone in the set: the members plus the facilitator, without repeats."""
        ordered = list(dict.fromkeys(self.member_ids))
        if self.facilitator_id and self.facilitator_id not in ordered:
            ordered.append(self.facilitator_id)
        return tuple(ordered)

    @property
    def participants(self) -> tuple[str, ...]:
        """People who bring topics and vote (the facilitator only if the set says so)."""
        return tuple(
            p for p in self.people if p != self.facilitator_id or self.facilitator_participates
        )


@dataclass(frozen=True)
class Schedule:
    anchor_date: date
    session_time: time
    timezone: str
    cadence_weeks: int
    session_minutes: int


def schedule_of(form: SetupForm) -> Schedule:
    assert form.first_date and form.first_time and form.cadence_weeks and form.session_minutes
    return Schedule(
        anchor_date=form.first_date,
        session_time=form.first_time.replace(second=0, microsecond=0),
        timezone=form.timezone,
        cadence_weeks=form.cadence_weeks,
        session_minutes=form.session_minutes,
    )


def on_series(day: date, current: Schedule) -> bool:
    """Is ``day`` one of the current schedule's dates? The set-up form of a set that has met
    shows its next session as the first date: the same series, not a new one."""
    delta = (day - current.anchor_date).days
    return delta >= 0 and delta % (7 * current.cadence_weeks) == 0


def same_schedule(schedule: Schedule, current: Schedule) -> bool:
    """The form's schedule is the set's, its first date possibly a later date of the series."""
    return replace(schedule, anchor_date=current.anchor_date) == current and on_series(
        schedule.anchor_date, current
    )


def _schedule_changed(form: SetupForm, current: Schedule | None) -> bool:
    """Does the form change the set's schedule? (A part the form has wrong, reported on its own,
    counts as unchanged.)"""
    if current is None:
        return True
    assert form.first_date is not None and form.first_time is not None
    cadence = form.cadence_weeks if form.cadence_weeks in CADENCE_WEEKS else None
    minutes = form.session_minutes
    if minutes is not None and not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        minutes = None
    return (
        not on_series(form.first_date, current)
        or form.first_time.replace(second=0, microsecond=0) != current.session_time
        or form.timezone != current.timezone
        or (cadence is not None and cadence != current.cadence_weeks)
        or (minutes is not None and minutes != current.session_minutes)
    )


def _person_problem(facts: UserFacts | None, user_id: str) -> str | None:
    if facts is None:
        return f"{user_id} is not a member of this workspace"
    if facts.deleted:
        return f"{facts.name} has been deactivated"
    if facts.is_bot:
        return f"{facts.name} is a bot"
    return None


def validate_setup(
    form: SetupForm,
    *,
    lookup: Callable[[str], UserFacts | None],
    now: datetime,
    current: Schedule | None,
    app_user_id: str | None = None,
) -> dict[str, str]:
    """Field name -> what is wrong, every problem at once. Empty when the form is acceptable.

    ``current`` is the existing set's schedule when the set is being edited: the first-session
    date may then stay in the past as long as the schedule is not changed. ``app_user_id`` is
    this app's own user (named as such when chosen as a member).
    """

    def problem_with(user_id: str) -> str | None:
        if app_user_id and user_id == app_user_id:
            facts = lookup(user_id)
            return f"{facts.name if facts else 'This app'} is this app, not a person"
        return _person_problem(lookup(user_id), user_id)

    errors: dict[str, str] = {}
    name = form.name.strip()
    if not name:
        errors["name"] = "Give the set a name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Keep the name to {NAME_MAX} characters."

    if not form.facilitator_id:
        errors["facilitator"] = "Choose the facilitator."
    else:
        problem = problem_with(form.facilitator_id)
        if problem:
            errors["facilitator"] = f"{problem}: choose someone else."

    member_problems = [p for p in (problem_with(u) for u in dict.fromkeys(form.member_ids)) if p]
    if not form.member_ids:
        errors["members"] = "Add the members of the set."
    elif member_problems:
        errors["members"] = "; ".join(member_problems) + ". Remove them to continue."
    else:
        count = len(form.participants)
        if count < MIN_PARTICIPANTS:
            errors["members"] = (
                f"A set needs at least {MIN_PARTICIPANTS} participants besides a facilitator "
                f"who does not participate (5-7 is recommended)."
            )
        elif count > MAX_PARTICIPANTS:
            errors["members"] = (
                f"A set can have at most {MAX_PARTICIPANTS} participants (5-7 is recommended)."
            )

    if not is_valid_zone(form.timezone):
        errors["timezone"] = "Choose the set's time zone from the list."

    if form.cadence_weeks not in CADENCE_WEEKS:
        errors["cadence"] = "Choose how often the set meets."

    if form.session_minutes is None:
        errors["length"] = "Enter the session length in minutes."
    elif not MIN_SESSION_MINUTES <= form.session_minutes <= MAX_SESSION_MINUTES:
        errors["length"] = (
            f"A session lasts between {MIN_SESSION_MINUTES} and {MAX_SESSION_MINUTES} minutes."
        )

    if form.first_date is None:
        errors["first_date"] = "Choose the date of the first session."
    if form.first_time is None:
        errors["first_time"] = "Choose the start time."
    if "timezone" not in errors and form.first_date is not None and form.first_time is not None:
        # Checked whatever else is wrong, so that every error comes back in one round.
        start = occurrence_on(form.first_date, form.first_time, form.timezone).starts_at
        if start <= now and _schedule_changed(form, current):
            errors["first_date"] = (
                "That is in the past. Choose a date and time still to come."
                if current is None
                else "A changed schedule must start in the future: choose the next session's date."
            )

    if form.place is not None and len(form.place) > PLACE_MAX:
        errors["place"] = f"Keep the place or link to {PLACE_MAX} characters."

    errors.update(_agenda_problems(form))
    errors.update(_programme_problems(form))
    errors.update(_reminder_problems(form))
    if form.notice_hours is not None and not 0 <= form.notice_hours <= MAX_NOTICE_HOURS:
        errors["notice_hours"] = (
            f"Between 0 and {MAX_NOTICE_HOURS} hours, or leave it empty for the default (24)."
        )
    if form.min_members is not None and not 1 <= form.min_members <= MAX_PARTICIPANTS:
        errors["min_members"] = (
            f"Between 1 and {MAX_PARTICIPANTS}, or leave it empty for the default (3)."
        )

    rules = form.ground_rules.strip()
    if not rules:
        errors["ground_rules"] = "Write the ground rules the set agrees to (a default is provided)."
    elif len(rules) > RULES_MAX:
        errors["ground_rules"] = f"Keep the ground rules to {RULES_MAX} characters."
    return errors


MAX_BUDGET = 10
MAX_CAP = 5
MAX_SLOTS = 4
MAX_ROUND_MINUTES = 120
MIN_TOPIC_MINUTES = 5


def _agenda_problems(form: SetupForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if form.budget is None or not 1 <= form.budget <= MAX_BUDGET:
        errors["budget"] = f"Give each member between 1 and {MAX_BUDGET} votes."
    if form.cap is None or not 1 <= form.cap <= MAX_CAP:
        errors["cap"] = f"Allow between 1 and {MAX_CAP} votes per topic."
    elif form.budget is not None and form.cap > form.budget:
        errors["cap"] = "A topic cannot take more votes than a member has."
    if not 0 <= form.slots <= MAX_SLOTS:
        errors["slots"] = f"Choose between 1 and {MAX_SLOTS} topics, or automatic."
    _, problem = parse_template(form.stages)
    if problem:
        errors["stages"] = problem
    for field, value in (("opening", form.opening_minutes), ("closing", form.closing_minutes)):
        if value is None or not 0 <= value <= MAX_ROUND_MINUTES:
            errors[field] = f"Between 0 and {MAX_ROUND_MINUTES} minutes."
    if not errors and form.session_minutes is not None:
        rules = form.vote_rules()
        slots = rules.slots_for(form.session_minutes)
        left = form.session_minutes - rules.opening_minutes - rules.closing_minutes
        if left < MIN_TOPIC_MINUTES * slots:
            errors["opening"] = (
                f"With these rounds, {max(left, 0)} min are left for {slots} topics: shorten the "
                "rounds or lengthen the session."
            )
    return errors


def _programme_problems(form: SetupForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    n = form.programme_sessions
    if n is not None and not 1 <= n <= MAX_PROGRAMME_SESSIONS:
        errors["programme_sessions"] = (
            f"Between 1 and {MAX_PROGRAMME_SESSIONS} sessions, or leave it empty (no end)."
        )
    last = form.programme_ends_on
    if last is not None and form.first_date is not None and last < form.first_date:
        errors["programme_ends_on"] = "The last session cannot come before the first one."
    return errors


def _reminder_problems(form: SetupForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, (low, high) in REMINDER_BOUNDS.items():
        value = getattr(form, name)
        if value is not None and not low <= value <= high:
            errors[name] = f"Between {low} and {high}, or leave it empty for the default."
    cfg = form.reminder_settings()
    if not errors and cfg.nudge_days >= cfg.prep_days:
        errors["nudge_days"] = (
            "The nudge follows the prompt: make it fewer days before the session."
        )
    return errors


def size_warning(participants: int) -> str | None:
    low, high = RECOMMENDED_PARTICIPANTS
    if participants < low:
        return f"The set has {participants} participants; {low}-{high} is recommended for a lively set."
    if participants > high:
        return f"The set has {participants} participants; {low}-{high} is recommended so everyone gets airtime."
    return None
