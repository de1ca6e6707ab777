"""Use cases for sets: set-up and editing, ground-rules agreement, leaving, the planning horizon.

Each public method opens one unit of work, commits, and returns plain data (``SetInfo``...).
Authority comes from the database (membership, facilitator role), never from the payload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import schedule as sched
from bot.domain.agenda import VoteRules
from bot.domain.channels import setup_channel_problem
from bot.domain.directory import ChannelFacts, UserFacts
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.reminders import ReminderSettings
from bot.domain.sets import SetupForm, schedule_of, validate_setup
from bot.domain.text import escape
from bot.ids import COMMAND
from bot.services.views import SessionInfo, SetInfo, SetupOutcome
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    LearningSet,
    Membership,
    PlannedSession,
    Reminder,
    RulesAgreement,
)

Lookup = Callable[[str], UserFacts | None]


def session_info(row: PlannedSession) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        local_date=row.local_date,
        local_time=row.local_time,
        timezone=row.timezone,
        revision=row.revision or 1,
        extra=row.series_date is None,
    )


def rules_of(lset: LearningSet) -> VoteRules:
    """The set's current vote rules (the facilitator votes when they participate)."""
    return replace(VoteRules.load(lset.settings), facilitator_votes=lset.facilitator_participates)


def settings_of(form: SetupForm) -> dict[str, Any]:
    rules = form.vote_rules().dump()
    rules.pop("facilitator_votes")
    rules["reminders"] = form.reminder_settings().dump()
    return rules


def set_info(session: Session, lset: LearningSet, now: datetime) -> SetInfo:
    members = q.active_members(session, lset.team_id, lset.id)
    facilitator = next((m.user_id for m in members if m.is_facilitator), None)
    return SetInfo(
        id=lset.id,
        team_id=lset.team_id,
        channel_id=lset.channel_id,
        name=lset.name,
        timezone=lset.timezone,
        anchor_date=lset.anchor_date,
        session_time=lset.session_time,
        cadence_weeks=lset.cadence_weeks,
        session_minutes=lset.session_minutes,
        place=lset.place,
        facilitator_id=facilitator,
        facilitator_participates=lset.facilitator_participates,
        member_ids=tuple(m.user_id for m in members),
        ground_rules=lset.ground_rules,
        rules_version=lset.rules_version,
        agreed_ids=frozenset(q.agreed_user_ids(session, lset.team_id, lset.id, lset.rules_version)),
        rules=rules_of(lset),
        programme_sessions=lset.programme_sessions,
        programme_ends_on=lset.programme_ends_on,
        reminders=ReminderSettings.load(lset.settings),
        upcoming=tuple(
            session_info(r) for r in q.upcoming_sessions(session, lset.team_id, lset.id, now)
        ),
    )


def _occurrence(lset: LearningSet, index: int) -> sched.Occurrence:
    return sched.occurrences(
        lset.anchor_date, lset.session_time, lset.timezone, lset.cadence_weeks, start=index, count=1
    )[0]


def programme_over(lset: LearningSet, occ: sched.Occurrence, planned_in_series: int) -> bool:
    """The programme's end (a number of sessions, or a last date) stops the series."""
    if lset.programme_sessions is not None and planned_in_series >= lset.programme_sessions:
        return True
    return lset.programme_ends_on is not None and occ.local_date > lset.programme_ends_on


def plan_sessions(session: Session, lset: LearningSet, now: datetime) -> int:
    """Plan occurrences until the set has ``PLANNED_AHEAD`` upcoming sessions, or its
    programme ends. Returns how many were added. Occurrences that would already be over are
    skipped, never planned."""
    missing = sched.PLANNED_AHEAD - len(q.upcoming_sessions(session, lset.team_id, lset.id, now))
    if missing <= 0:
        return 0
    # Continue the series after its latest occurrence (moved sessions keep their series date;
    # extra sessions have none and do not count).
    latest = q.latest_series_session(session, lset.team_id, lset.id)
    in_series = q.series_count(session, lset.team_id, lset.id)
    index = 0
    last = latest.series_date if latest is not None else None
    if last is not None and last >= lset.anchor_date:
        index = sched.index_on_or_after(lset.anchor_date, lset.cadence_weeks, last)
        if _occurrence(lset, index).local_date <= last:
            index += 1
    added = 0
    while added < missing:
        occ = _occurrence(lset, index)
        index += 1
        if programme_over(lset, occ, in_series):
            break
        if sched.session_end(occ.starts_at, lset.session_minutes) <= now:
            continue
        if q.session_at(session, lset.team_id, lset.id, occ.starts_at) is not None:
            continue  # a session was moved (or added) onto this occurrence: it stands for it
        session.add(
            PlannedSession(
                team_id=lset.team_id,
                set_id=lset.id,
                local_date=occ.local_date,
                local_time=occ.local_time,
                timezone=occ.timezone,
                starts_at=occ.starts_at,
                duration_minutes=lset.session_minutes,
                series_date=occ.local_date,
            )
        )
        lset.planned_until = occ.starts_at
        added += 1
        in_series += 1
    session.flush()
    return added


class SetService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- reading --------------------------------------------------------------------------
    def for_channel(self, team_id: str, channel_id: str) -> SetInfo | None:
        with self._db.read() as s:
            lset = q.set_by_channel(s, team_id, channel_id)
            return set_info(s, lset, self._clock()) if lset else None

    def for_user(self, team_id: str, user_id: str) -> list[SetInfo]:
        now = self._clock()
        with self._db.read() as s:
            return [set_info(s, lset, now) for lset in q.sets_of_user(s, team_id, user_id)]

    def get(self, team_id: str, set_id: int) -> SetInfo | None:
        with self._db.read() as s:
            lset = q.set_by_id(s, team_id, set_id)
            return set_info(s, lset, self._clock()) if lset else None

    # -- set-up ---------------------------------------------------------------------------
    def start_setup(self, team_id: str, user_id: str, channel: ChannelFacts) -> SetInfo | None:
        """Check ``user_id`` may run set-up in ``channel``; return the set to edit (or None for a
        new set)."""
        problem = setup_channel_problem(channel)
        if problem:
            raise NotAllowed(problem)
        existing = self.for_channel(team_id, channel.id)
        if existing is not None and existing.facilitator_id != user_id:
            raise NotAllowed(
                f"This channel already has a set, *{escape(existing.name)}*. Only its facilitator "
                f"(<@{existing.facilitator_id}>) can change it: ask them to run `{COMMAND} setup`."
            )
        return existing

    def save_setup(
        self,
        team_id: str,
        user_id: str,
        channel: ChannelFacts,
        form: SetupForm,
        *,
        lookup: Lookup,
        view_id: str,
        editing_set_id: int | None,
    ) -> SetupOutcome:
        """Create or update the set of ``channel`` from the modal. Raises ``InvalidInput`` with
        per-field messages, ``NotAllowed`` when the user may not (any longer) do this."""
        problem = setup_channel_problem(channel)
        if problem:
            raise NotAllowed(problem)
        now = self._clock()
        repeated = self._repeated_submission(team_id, view_id)
        if repeated is not None:
            return repeated
        existing = self.for_channel(team_id, channel.id)
        if existing is not None and existing.facilitator_id != user_id:
            raise NotAllowed(
                f"Only the facilitator of *{escape(existing.name)}* can change it. Nothing was saved."
            )
        if editing_set_id is not None and (existing is None or existing.id != editing_set_id):
            raise NotAllowed(
                "This set-up form is out of date (the set was changed or removed meanwhile). "
                f"Run `{COMMAND} setup` again. Nothing was saved."
            )
        errors = validate_setup(
            form, lookup=lookup, now=now, current=existing.schedule if existing else None
        )
        if errors:
            raise InvalidInput(errors)
        zones = {p: facts.tz for p in form.people if (facts := lookup(p)) is not None and facts.tz}
        try:
            if existing is None:
                return self._create(team_id, user_id, channel.id, form, view_id, now, zones)
            return self._update(team_id, existing.id, form, now, zones)
        except IntegrityError:
            # A concurrent submission won the race: the same view (double click) or another set.
            repeated = self._repeated_submission(team_id, view_id)
            if repeated is not None:
                return repeated
            raise Conflict(
                "Someone created a set in this channel at the same moment. Run "
                f"`{COMMAND} setup` again to see it."
            ) from None

    def _repeated_submission(self, team_id: str, view_id: str) -> SetupOutcome | None:
        with self._db.read() as s:
            lset = s.scalar(
                select(LearningSet).where(
                    LearningSet.team_id == team_id, LearningSet.source_view_id == view_id
                )
            )
            if lset is None:
                return None
            return SetupOutcome(set=set_info(s, lset, self._clock()), created=False, repeated=True)

    def _create(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        form: SetupForm,
        view_id: str,
        now: datetime,
        zones: dict[str, str],
    ) -> SetupOutcome:
        schedule = schedule_of(form)
        with self._db.write() as s, s.begin():
            q.ensure_workspace(s, team_id)
            lset = LearningSet(
                team_id=team_id,
                channel_id=channel_id,
                name=form.name.strip(),
                timezone=schedule.timezone,
                anchor_date=schedule.anchor_date,
                session_time=schedule.session_time,
                cadence_weeks=schedule.cadence_weeks,
                session_minutes=schedule.session_minutes,
                place=(form.place or "").strip() or None,
                facilitator_participates=form.facilitator_participates,
                settings=settings_of(form),
                programme_sessions=form.programme_sessions,
                programme_ends_on=form.programme_ends_on,
                ground_rules=form.ground_rules.strip(),
                rules_version=1,
                created_by=user_id,
                source_view_id=view_id,
                created_at=now,
                updated_at=now,
            )
            s.add(lset)
            s.flush()
            for person in form.people:
                s.add(
                    Membership(
                        team_id=team_id,
                        set_id=lset.id,
                        user_id=person,
                        is_facilitator=person == form.facilitator_id,
                        tz=zones.get(person),
                        joined_at=now,
                    )
                )
            s.flush()
            plan_sessions(s, lset, now)
            lset.replan_at = now  # the next tick plans its reminders
            info = set_info(s, lset, now)
        return SetupOutcome(set=info, created=True, added=info.member_ids)

    def _update(
        self, team_id: str, set_id: int, form: SetupForm, now: datetime, zones: dict[str, str]
    ) -> SetupOutcome:
        schedule = schedule_of(form)
        with self._db.write() as s, s.begin():
            lset = q.set_by_id(s, team_id, set_id)
            if lset is None:  # pragma: no cover - checked just before
                raise NotFound("That set no longer exists.")
            before = set_info(s, lset, now)
            lset.name = form.name.strip()
            lset.place = (form.place or "").strip() or None
            lset.facilitator_participates = form.facilitator_participates
            lset.settings = settings_of(form)
            rules = form.ground_rules.strip()
            rules_changed = rules != lset.ground_rules
            if rules_changed:
                lset.ground_rules = rules
                lset.rules_version += 1
            schedule_changed = schedule != before.schedule
            if schedule_changed:
                # Future sessions only: those not yet started are re-planned from the new anchor.
                doomed = [
                    r for r in q.upcoming_sessions(s, team_id, set_id, now) if r.starts_at > now
                ]
                # Their reminders go with them (already-sent prompts included).
                s.execute(delete(Reminder).where(Reminder.session_id.in_([r.id for r in doomed])))
                for row in doomed:
                    s.delete(row)
                s.flush()
                lset.timezone = schedule.timezone
                lset.anchor_date = schedule.anchor_date
                lset.session_time = schedule.session_time
                lset.cadence_weeks = schedule.cadence_weeks
                lset.session_minutes = schedule.session_minutes
                lset.planned_until = None
            programme = (form.programme_sessions, form.programme_ends_on)
            trimmed: tuple[SessionInfo, ...] = ()
            programme_changed = programme != (lset.programme_sessions, lset.programme_ends_on)
            lset.programme_sessions, lset.programme_ends_on = programme
            if programme_changed and not schedule_changed:
                # A shorter programme: future sessions beyond its end are cancelled.
                from bot.services.calendar import trim_programme

                trimmed = tuple(trim_programme(s, lset, now))
            lset.updated_at = now

            wanted = set(form.people)
            added: list[str] = []
            removed: list[str] = []
            previous_facilitator = None
            rows = {
                m.user_id: m
                for m in s.scalars(
                    select(Membership).where(
                        Membership.team_id == team_id, Membership.set_id == set_id
                    )
                )
            }
            for user, row in rows.items():
                if row.left_at is None and user not in wanted:
                    row.left_at = now
                    row.is_facilitator = False
                    removed.append(user)
                    q.drop_member_from_open_votes(s, team_id, set_id, user)
                if row.is_facilitator and user != form.facilitator_id:
                    row.is_facilitator = False
                    previous_facilitator = user
            for person in form.people:
                row = rows.get(person)
                if row is None:
                    row = Membership(team_id=team_id, set_id=set_id, user_id=person, joined_at=now)
                    s.add(row)
                    added.append(person)
                elif row.left_at is not None:
                    row.left_at = None
                    row.joined_at = now
                    added.append(person)
                row.is_facilitator = person == form.facilitator_id
                if zones.get(person):
                    row.tz = zones[person]
            s.flush()
            plan_sessions(s, lset, now)
            lset.replan_at = now  # members, schedule or offsets may have changed
            info = set_info(s, lset, now)
        return SetupOutcome(
            set=info,
            created=False,
            added=tuple(added),
            removed=tuple(removed),
            rules_changed=rules_changed,
            schedule_changed=schedule_changed,
            previous_facilitator=previous_facilitator,
            cancelled=trimmed,
        )

    # -- membership -----------------------------------------------------------------------
    def _active_membership(
        self, s: Session, team_id: str, set_id: int, user_id: str
    ) -> LearningSet:
        lset = q.set_by_id(s, team_id, set_id)
        if lset is None or lset.status != "active":
            raise NotFound("That set no longer exists.")
        member = q.membership(s, team_id, set_id, user_id)
        if member is None:
            raise NotAllowed(f"You are not a member of *{escape(lset.name)}*.")
        if member.left_at is not None:
            raise NotAllowed(
                f"You are no longer a member of *{escape(lset.name)}*, so this is no longer open "
                "to you. Ask the facilitator if you want to rejoin."
            )
        return lset

    def agree_to_rules(self, team_id: str, user_id: str, set_id: int, version: int) -> SetInfo:
        """Record that ``user_id`` agrees to version ``version`` of the set's ground rules."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = self._active_membership(s, team_id, set_id, user_id)
            if version != lset.rules_version:
                raise Conflict(
                    f"The ground rules of *{escape(lset.name)}* have changed since this message. "
                    "Agree to the current version in the newest message I sent you."
                )
            if user_id not in q.agreed_user_ids(s, team_id, set_id, version):
                s.add(
                    RulesAgreement(
                        team_id=team_id,
                        set_id=set_id,
                        user_id=user_id,
                        rules_version=version,
                        agreed_at=now,
                    )
                )
                s.flush()
            return set_info(s, lset, now)

    def set_to_leave(self, team_id: str, user_id: str, channel_id: str) -> SetInfo:
        """Which set ``/als leave`` means: the channel's set, or the user's only set."""
        here = self.for_channel(team_id, channel_id)
        if here is not None:
            if user_id not in here.member_ids:
                raise NotAllowed(f"You are not a member of *{escape(here.name)}*.")
            return here
        mine = self.for_user(team_id, user_id)
        if not mine:
            raise NotFound("You are not a member of any set.")
        if len(mine) > 1:
            raise NotAllowed(
                f"You are in {len(mine)} sets. Run `{COMMAND} leave` in the channel of the set "
                "you want to leave."
            )
        return mine[0]

    def leave(self, team_id: str, user_id: str, set_id: int) -> SetInfo:
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = self._active_membership(s, team_id, set_id, user_id)
            member = q.membership(s, team_id, set_id, user_id)
            assert member is not None
            if member.is_facilitator:
                raise NotAllowed(
                    f"You facilitate *{escape(lset.name)}*. Hand the role to another member first "
                    f"(`{COMMAND} setup` in the set's channel), then leave."
                )
            member.left_at = now
            q.drop_member_from_open_votes(s, team_id, set_id, user_id)
            s.flush()
            return set_info(s, lset, now)

    # -- scheduler ------------------------------------------------------------------------
    def extend_horizons(self, at: datetime) -> tuple[int, int]:
        """Keep every active set planned ``PLANNED_AHEAD`` sessions ahead as of ``at``.
        Returns (sets looked at, sessions added)."""
        added = 0
        with self._db.write() as s, s.begin():
            sets = q.active_sets(s)
            for lset in sets:
                added += plan_sessions(s, lset, at)
        return len(sets), added
