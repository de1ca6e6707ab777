"""Use cases for sets: set-up and editing, ground-rules agreement, leaving, the planning horizon.

Each public method opens one unit of work, commits, and returns plain data (``SetInfo``...).
Authority comes from the database (``bot.services.access``), never from the payload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain import newcomers
from bot.domain.directory import ChannelFacts, Directory, UserFacts
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.sets import SetupForm, same_schedule, schedule_of, validate_setup
from bot.domain.text import escape
from bot.ids import COMMAND
from bot.services import access, announce, rota
from bot.services.planning import plan_sessions, trim_programme
from bot.services.readmodels import open_vote_states, set_info
from bot.services.setup_form import SetupSubmission, keep_settings, settings_of, update_members
from bot.services.views import Departure, SessionInfo, SetInfo, SetupDraft, SetupOutcome
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LearningSet, Membership, Reminder, RulesAgreement

Lookup = Callable[[str], UserFacts | None]
FORM_OUT_OF_DATE = (
    "This set-up form is out of date (the set was changed or removed meanwhile). "
    f"Run `{COMMAND} setup` again. Nothing was saved."
)


class SetService:
    def __init__(self, db: Database, clock: Clock, seal: access.SetupSeal) -> None:
        self._db = db
        self._clock = clock
        self._seal = seal

    # -- reading --------------------------------------------------------------------------
    def for_channel(self, team_id: str, channel_id: str) -> SetInfo | None:
        with self._db.read() as s:
            lset = q.set_by_channel(s, team_id, channel_id)
            return set_info(s, lset, self._clock()) if lset else None

    def for_user(self, team_id: str, user_id: str) -> list[SetInfo]:
        now = self._clock()
        with self._db.read() as s:
            return [set_info(s, lset, now) for lset in q.sets_of_user(s, team_id, user_id)]

    def channel_of(self, team_id: str, set_id: int) -> str:
        """The channel of the set a button names (a claim: what is done there is checked by
        the service that does it)."""
        with self._db.read() as s:
            lset = q.set_by_id(s, team_id, set_id)
            if lset is None:
                raise NotFound("That set no longer exists.")
            return lset.channel_id

    def get(self, team_id: str, set_id: int) -> SetInfo | None:
        with self._db.read() as s:
            lset = q.set_by_id(s, team_id, set_id)
            return set_info(s, lset, self._clock()) if lset else None

    # -- set-up ---------------------------------------------------------------------------
    def start_setup(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        directory: Directory,
        *,
        channel_name: str | None = None,
        picked: bool = False,
    ) -> SetupDraft:
        """``/als setup`` (or the Home tab's "Create a set", the channel ``picked``): check
        ``user_id`` may run set-up in the channel; the set to edit (or None for a new set), and
        the caller's zone for a new set's default."""
        channel = directory.channel(channel_id, channel_name)
        existing = self.for_channel(team_id, channel.id)
        elsewhere = False
        if existing is None:
            with self._db.read() as s:
                elsewhere = q.channel_has_set_elsewhere(s, team_id, channel.id)
        access.may_set_up(channel, existing, user_id, elsewhere=elsewhere, picked=picked)
        facts = directory.user(user_id)
        return SetupDraft(
            channel_id=channel.id,
            existing=existing,
            caller_tz=facts.tz if facts else None,
            external_id=self._seal.new(team_id, user_id, existing.id if existing else 0),
        )

    def reopen_setup(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        set_id: int | None,
        external_id: str,
        directory: Directory,
    ) -> SetupDraft:
        """ "More settings" in an open set-up form: the same draft again, for the same modal.
        The modal (its ``external_id``) must have been opened by the bot for this person and
        this set, and they must still be allowed to set it up."""
        if not self._seal.opened_for(external_id, team_id, user_id, set_id or 0):
            raise NotAllowed(FORM_OUT_OF_DATE)
        draft = self.start_setup(team_id, user_id, channel_id, directory)
        if (draft.existing.id if draft.existing else None) != set_id:
            raise NotAllowed(FORM_OUT_OF_DATE)
        return replace(draft, external_id=external_id)

    def submit_setup(
        self,
        team_id: str,
        user_id: str,
        submission: SetupSubmission,
        directory: Directory,
        *,
        bot_user_id: str | None = None,
    ) -> SetupOutcome:
        """The set-up form is submitted. The people and the channel are checked with Slack first
        (the directory): the form's channel is a claim, and the submitter must really be in it.
        Then as :meth:`save_setup`; the outcome also says who is (not) in the channel."""
        directory.prefetch(submission.form.people)
        channel = directory.channel(submission.channel_id)
        in_channel: set[str] = set()
        if channel.found and channel.bot_is_member:
            in_channel = set(directory.channel_members(channel.id))
            channel = replace(channel, caller_is_member=user_id in in_channel)
        in_channel.discard(bot_user_id or "")
        return self.save_setup(
            team_id,
            user_id,
            channel,
            submission.form,
            lookup=directory.user,
            view_id=submission.view_id,
            editing_set_id=submission.set_id,
            audience=announce.SetupAudience(user_id, not channel.is_private, frozenset(in_channel)),
            app_user_id=bot_user_id,
        )

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
        audience: announce.SetupAudience | None = None,
        app_user_id: str | None = None,
    ) -> SetupOutcome:
        """Create or update the set of ``channel`` from the modal, with the notes that announce
        it (``announce.announce_setup``; the confirmation needs ``audience``). Raises ``InvalidInput`` with
        per-field messages, ``NotAllowed`` when the user may not (any longer) do this."""
        access.may_set_up_in(channel)
        now = self._clock()
        repeated = self._repeated_submission(team_id, view_id)
        if repeated is not None:
            return repeated
        existing = self.for_channel(team_id, channel.id)
        access.may_save_setup(channel, existing, user_id)
        if editing_set_id is not None and (existing is None or existing.id != editing_set_id):
            raise NotAllowed(FORM_OUT_OF_DATE)
        if not form.more and existing is not None:
            form = keep_settings(form, existing)
        errors = validate_setup(
            form,
            lookup=lookup,
            now=now,
            current=existing.schedule if existing else None,
            app_user_id=app_user_id,
        )
        if errors:
            raise InvalidInput(errors)
        zones = {p: facts.tz for p in form.people if (facts := lookup(p)) is not None and facts.tz}
        try:
            if existing is None:
                return self._create(
                    team_id, user_id, channel.id, form, view_id, now, zones, audience
                )
            return self._update(team_id, existing.id, form, now, zones, audience)
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
        audience: announce.SetupAudience | None,
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
                retention_days=form.retention_days,
                ground_rules=form.ground_rules.strip(),
                rules_version=1,
                created_by=user_id,
                source_view_id=view_id,
                created_at=now,
                updated_at=now,
            )
            s.add(lset)
            s.flush()
            lset.retention_days = form.retention_days  # None (keep) too: an INSERT omits it
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
            created = SetupOutcome(set=info, created=True, added=info.member_ids)
            return announce.announce_setup(s, created, audience, now)

    def _update(
        self,
        team_id: str,
        set_id: int,
        form: SetupForm,
        now: datetime,
        zones: dict[str, str],
        audience: announce.SetupAudience | None,
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
            # What other commands keep in the settings: /als rota's, /als questions add's, the
            # group /als organisers puts the set in.
            kept = {
                k: v
                for k, v in (lset.settings or {}).items()
                if k in ("rota", "questions", "group")
            }
            lset.settings = {**settings_of(form), **kept}
            rules = form.ground_rules.strip()
            rules_changed = rules != lset.ground_rules
            if rules_changed:
                lset.ground_rules = rules
                lset.rules_version += 1
            schedule_changed = not same_schedule(schedule, before.schedule)
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
            lset.retention_days = form.retention_days
            if programme_changed and not schedule_changed:
                # A shorter programme: future sessions beyond its end are cancelled.
                trimmed = tuple(trim_programme(s, lset, now))
            lset.updated_at = now

            added, removed, previous_facilitator = update_members(
                s, team_id, set_id, form, zones, now
            )
            s.flush()
            started = q.last_started_session(s, lset, now)
            running = newcomers.is_newcomer(
                joined_at=now, first_start=started.starts_at if started else None
            )
            plan_sessions(s, lset, now)
            lset.replan_at = now  # members, schedule or offsets may have changed
            info = set_info(s, lset, now)
            # Removed members' topics and votes left the open votes: their messages change.
            votes = (
                announce.votes_changed(s, open_vote_states(s, lset, now), now) if removed else ()
            )
            updated = SetupOutcome(
                set=info,
                created=False,
                added=tuple(added),
                removed=tuple(removed),
                newcomers=tuple((u, now) for u in added) if running else (),
                rules_changed=rules_changed,
                schedule_changed=schedule_changed,
                previous_facilitator=previous_facilitator,
                cancelled=trimmed,
                open_votes=votes,
            )
            return announce.announce_setup(s, updated, audience, now)

    # -- membership -----------------------------------------------------------------------
    def agree_to_rules(self, team_id: str, user_id: str, set_id: int, version: int) -> SetInfo:
        """Record that ``user_id`` agrees to version ``version`` of the set's ground rules."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.active_set(s, team_id, set_id)
            access.require_current_member(s, lset, user_id)
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
            access.require_member_of(here, user_id)
            return here
        mine = self.for_user(team_id, user_id)
        if not mine:
            raise NotFound(access.NOT_IN_A_SET)
        if len(mine) > 1:
            raise NotAllowed(
                f"You are in {len(mine)} sets. Run `{COMMAND} leave` in the channel of the set "
                "you want to leave."
            )
        return mine[0]

    def leave(self, team_id: str, user_id: str, set_id: int) -> Departure:
        """``user_id`` leaves the set; their open votes (topics and ballots) are withdrawn."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.active_set(s, team_id, set_id)
            member = access.require_current_member(s, lset, user_id)
            access.may_leave(lset, member)
            member.left_at = now
            aq.drop_member_from_open_votes(s, team_id, set_id, user_id)
            s.flush()
            rota.assign(s, lset, now)  # their turns go to others
            lset.replan_at = now  # and so do the reminders of the sessions they facilitated
            return Departure(
                set=set_info(s, lset, now),
                user_id=user_id,
                open_votes=announce.votes_changed(s, open_vote_states(s, lset, now), now),
            )

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
