"""The live session (``bot.domain.live``): started by the session's facilitator on its confirmed
agenda, moved on by them or by the clock, drawn in the agenda message's thread (one kept
message per part, through the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import live as lv
from bot.domain.agenda import VoteRules
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.outbox import Note
from bot.domain.questions import bank_of
from bot.domain.status import LiveStatus, SessionStatus, VoteStatus
from bot.services import access, announce
from bot.services.attendance import attendance_of
from bot.services.readmodels import session_info
from bot.services.views import LiveBrief, LiveCue, LiveMoved, LiveState, PartInfo, SetInfo
from bot.storage import agenda_queries as aq
from bot.storage import live_queries as lq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    AgendaVote,
    LearningSet,
    LivePart,
    LiveSession,
    PlannedSession,
    ReportRound,
    Topic,
)

QUESTION_FIELD = "question"
QUESTION_MAX = 500
#: A session can be started from this long before it is due, until this long after its end.
EARLY = timedelta(hours=1)
LATE = timedelta(hours=12)
GONE = "This session is no longer running."
MOVED_ON = "The session has already moved on: nothing changed."


def _when(row: PlannedSession) -> str:
    return f"{row.local_date:%a %d %b} at {row.local_time:%H:%M}"


class LiveService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- starting ---------------------------------------------------------------------------
    def start_vote(self, team_id: str, user_id: str, vote_id: int) -> LiveMoved:
        """*Start session* on the confirmed agenda."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            vote = aq.vote_by_id(s, team_id, vote_id)
            if vote is None:
                raise NotFound("That agenda is no longer there.")
            row = s.get(PlannedSession, vote.session_id)
            assert row is not None
            lset = access.active_set(s, team_id, vote.set_id)
            return self._start(s, lset, row, vote, user_id, now)

    def start_command(self, team_id: str, user_id: str, channel_id: str) -> LiveMoved:
        """``/als start``: the set's session of today (or the next one) is started."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            row = next(
                (
                    r
                    for r in q.sessions_not_cancelled(s, team_id, lset.id)
                    if r.starts_at + timedelta(minutes=r.duration_minutes) > now - EARLY
                    and not _was_run(lq.live_of_session(s, team_id, r.id))
                ),
                None,
            )
            if row is None:
                raise NotFound("The set has no session to start.")
            vote = aq.vote_of_session(s, row.id)
            return self._start(s, lset, row, vote, user_id, now)

    def _start(
        self,
        s: Session,
        lset: LearningSet,
        row: PlannedSession,
        vote: AgendaVote | None,
        user_id: str,
        now: datetime,
    ) -> LiveMoved:
        access.require_session_facilitator(s, lset, row, user_id, "start the session")
        if row.status != SessionStatus.PLANNED:
            raise Conflict("This session was cancelled.")
        running = lq.live_of_session(s, lset.team_id, row.id)
        if running is not None:
            if running.status == LiveStatus.RUNNING:
                raise Conflict("This session is already running: see the agenda's thread.")
            raise Conflict("This session has already been run.")
        if vote is None or vote.status != VoteStatus.CONFIRMED:
            raise Conflict(
                f"The agenda of the session of {_when(row)} is not confirmed yet: confirm it "
                "first, then start the session."
            )
        if now < row.starts_at - EARLY:
            raise Conflict(
                f"The session of {_when(row)} can be started from an hour before it begins."
            )
        if now > row.starts_at + timedelta(minutes=row.duration_minutes) + LATE:
            raise Conflict(f"The session of {_when(row)} is over: it can no longer be started.")
        items = aq.agenda_items(s, vote.id)
        who = attendance_of(s, lset, row.id, row.local_date)
        cannot = set(who.apologies) | set(who.away)
        active = {m.user_id for m in q.active_members(s, lset.team_id, lset.id)}
        absent = [t.author_id in cannot or t.author_id not in active for _, t in items]
        minutes = lv.share_minutes([i.minutes for i, _ in items], absent)
        kept = [(item, topic, m) for (item, topic), m in zip(items, minutes, strict=True) if m]
        rules = VoteRules.load(vote.rules)
        steps = lv.plan(
            rules.opening_minutes,
            [m for _, _, m in kept],
            rules.closing_minutes,
            lv.template_of(lset.settings),
        )
        clock = lv.start(steps, now)
        live = LiveSession(
            team_id=lset.team_id,
            set_id=lset.id,
            session_id=row.id,
            channel_id=vote.channel_id,
            thread_ts=vote.message_ts,
            steps=[step.dump() for step in steps],
            step=clock.step,
            deadline=clock.deadline,
            status=LiveStatus.RUNNING.value,
            revision=1,
            started_by=user_id,
            started_at=now,
        )
        try:
            with s.begin_nested():
                s.add(live)
                s.flush()
        except IntegrityError:  # started at the same moment by another click
            raise Conflict("This session is already running: see the agenda's thread.") from None
        parts = [LivePart(position=0)]
        for position, (_, topic, m) in enumerate(kept, start=1):
            shared = topic.question.strip() if topic.shared and topic.question else None
            parts.append(
                LivePart(
                    position=position,
                    topic_id=topic.id,
                    presenter_id=topic.author_id,
                    minutes=m,
                    question=shared,
                )
            )
        parts.append(LivePart(position=len(kept) + 1))
        for part in parts:
            part.team_id, part.set_id, part.live_id = lset.team_id, lset.id, live.id
        s.add_all(parts)
        s.flush()
        notes = announce.keep(
            s, live.team_id, live.set_id, Note.LIVE, parts[0].id, live.channel_id, now
        )
        # The agenda message says the session runs in its thread (no more "Start session").
        notes += announce.keep(
            s, live.team_id, live.set_id, Note.VOTE, vote.id, vote.channel_id, now
        )
        return LiveMoved(
            live.id,
            live.team_id,
            notes,
            live.channel_id,
            steps[0].stage,
            homes=_member_ids(s, live),
        )

    # -- moving on --------------------------------------------------------------------------
    def move(
        self, team_id: str, user_id: str, live_id: int, revision: int, move: lv.Move
    ) -> LiveMoved:
        """The facilitator's button, as of the revision they saw: one change per revision."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            live = self._running(s, team_id, live_id)
            lset = access.active_set(s, team_id, live.set_id)
            row = s.get(PlannedSession, live.session_id)
            assert row is not None
            access.require_session_facilitator(s, lset, row, user_id, "run the session")
            if live.revision != revision:
                raise Conflict(MOVED_ON)
            steps = _steps(live)
            clock = lv.catch_up(steps, _clock(live), now)
            problem = lv.move_problem(steps, clock, move)
            if problem:
                raise Conflict(problem)
            moved = self._write(s, live, steps, lv.apply(steps, clock, move, now), now, revision)
            if moved is None:
                raise Conflict(MOVED_ON)
            return moved

    def advance_due(self, at: datetime, limit: int = 200) -> list[LiveMoved]:
        """The live pass: every running session whose stage's time is up moves on (each in a
        transaction of its own; a session another process moved meanwhile is left to it)."""
        moved: list[LiveMoved] = []
        with self._db.read() as s:
            due = lq.due(s, at, limit)
        for live_id, team_id in due:
            with self._db.write() as s, s.begin():
                live = lq.live_by_id(s, team_id, live_id)
                if live is None or live.status != LiveStatus.RUNNING:
                    continue
                steps = _steps(live)
                clock = lv.catch_up(steps, _clock(live), at)
                if clock == _clock(live):
                    continue
                change = self._write(s, live, steps, clock, at, live.revision)
                if change is not None:
                    moved.append(change)
        return moved

    def _write(
        self,
        s: Session,
        live: LiveSession,
        steps: Sequence[lv.Step],
        clock: lv.Clock,
        now: datetime,
        revision: int,
    ) -> LiveMoved | None:
        """Write the clock as of ``revision`` (None: the session had moved meanwhile) and the
        notes that draw the parts it touched."""
        before = _clock(live)
        if not lq.move(s, live, revision, clock, now):
            return None
        parts = {p.position: p for p in lq.parts_of(s, live.id)}
        notes: tuple[int, ...] = ()
        for position in lv.parts_touched(steps, before, clock):
            notes += announce.keep(
                s, live.team_id, live.set_id, Note.LIVE, parts[position].id, live.channel_id, now
            )
        vote = aq.vote_of_session(s, live.session_id) if clock.ended else None
        if vote is not None:  # the agenda message says the session was run
            notes += announce.keep(
                s, live.team_id, live.set_id, Note.VOTE, vote.id, vote.channel_id, now
            )
        stage = None if clock.ended else steps[clock.step].stage
        # Home tabs show the stage, while the session runs: a new stage or the end changes them.
        homes = _member_ids(s, live) if clock.ended or clock.step != before.step else ()
        return LiveMoved(
            live.id, live.team_id, notes, live.channel_id, stage, ended=clock.ended, homes=homes
        )

    @staticmethod
    def _running(s: Session, team_id: str, live_id: int) -> LiveSession:
        live = lq.live_by_id(s, team_id, live_id)
        if live is None or live.status != LiveStatus.RUNNING:
            raise Conflict(GONE)
        return live

    # -- the presenter's question -----------------------------------------------------------
    def question(self, team_id: str, user_id: str, part_id: int, text: str) -> LiveMoved:
        """The presenter types the question they want help with (pinned on their topic)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            part = lq.part_by_id(s, team_id, part_id)
            if part is None or part.presenter_id is None:
                raise NotFound(GONE)
            live = self._running(s, team_id, part.live_id)
            if part.presenter_id != user_id:
                raise NotAllowed("Only the presenter writes their question.")
            text = text.strip()
            problem = (
                "Write your question."
                if not text
                else f"At most {QUESTION_MAX} characters."
                if len(text) > QUESTION_MAX
                else None
            )
            if problem:
                raise InvalidInput({QUESTION_FIELD: problem})
            part.question = text
            notes = announce.keep(s, team_id, live.set_id, Note.LIVE, part.id, live.channel_id, now)
            return LiveMoved(live.id, team_id, notes, live.channel_id, None)

    def part_question(self, team_id: str, user_id: str, part_id: int) -> str:
        """What the question form opens on (the presenter only)."""
        with self._db.read() as s:
            part = lq.part_by_id(s, team_id, part_id)
            if part is None or part.presenter_id is None:
                raise NotFound(GONE)
            self._running(s, team_id, part.live_id)
            if part.presenter_id != user_id:
                raise NotAllowed("Only the presenter writes their question.")
            return part.question or ""

    # -- private help -----------------------------------------------------------------------
    def cue(self, team_id: str, user_id: str, live_id: int, *, facilitator: bool) -> LiveCue:
        """*Help me ask* (a member: the cue card of the stage) or *Facilitator prompts* (who
        facilitates the session: the process questions of the stage)."""
        now = self._clock()
        with self._db.read() as s:
            live = self._running(s, team_id, live_id)
            lset = access.active_set(s, team_id, live.set_id)
            access.require_member(s, lset, user_id)
            row = s.get(PlannedSession, live.session_id)
            assert row is not None
            steps = _steps(live)
            clock = lv.catch_up(steps, _clock(live), now)
            stage = steps[clock.step].stage
            bank = bank_of(lset.settings)
            if facilitator:
                access.require_session_facilitator(s, lset, row, user_id, "see the prompts")
                process = "group" if clock.paused else stage.process_card
                cards = tuple(c for c in bank.facilitator if c.key == process)
                return LiveCue(lset.name, stage, cards, facilitator=True)
            key = stage.cue_card
            if key is None:
                raise Conflict(
                    f"No questions during *{stage.label.lower()}*: the cue cards come with the "
                    "question stages."
                )
            return LiveCue(lset.name, stage, tuple(c for c in bank.members if c.key == key))

    # -- what the members' Home tab shows ---------------------------------------------------
    @staticmethod
    def brief(s: Session, lset: LearningSet) -> LiveBrief | None:
        """The set's session while it runs live: its stage as the stored clock has it (as the
        part's message shows it), and the message to link to."""
        live = lq.running_of_set(s, lset.team_id, lset.id)
        if live is None:
            return None
        steps = _steps(live)
        step = steps[min(live.step, len(steps) - 1)]
        part = lq.part_at(s, live.id, step.part)
        topic = s.get(Topic, part.topic_id) if part is not None and part.topic_id else None
        return LiveBrief(
            live_id=live.id,
            stage=step.stage,
            position=step.part,
            parts=steps[-1].part + 1,
            title=topic.title if topic is not None else "",
            channel_id=live.channel_id,
            message_ts=(part.message_ts if part is not None else None) or live.thread_ts,
        )

    # -- what a part's message shows (the outbox) --------------------------------------------
    @staticmethod
    def state(s: Session, info: SetInfo, part_id: int) -> LiveState | None:
        part = s.get(LivePart, part_id)
        if part is None or part.team_id != info.team_id:
            return None
        live = s.get(LiveSession, part.live_id)
        row = s.get(PlannedSession, live.session_id) if live else None
        if live is None or row is None:
            return None
        parts = lq.parts_of(s, live.id)
        vote = aq.vote_of_session(s, row.id)
        topics = [t for _, t in aq.agenda_items(s, vote.id)] if vote else []
        title = next((t.title for t in topics if t.id == part.topic_id), "")
        kept = {p.topic_id for p in parts}
        dropped = tuple(t.author_id for t in topics if t.id not in kept)
        posted = s.scalar(
            select(ReportRound.message_ts).where(
                ReportRound.team_id == info.team_id, ReportRound.session_id == row.id
            )
        )
        return LiveState(
            id=live.id,
            set=info,
            session=session_info(row),
            facilitator_id=access.session_facilitator(row, info.facilitator_id),
            steps=_steps(live),
            clock=_clock(live),
            revision=live.revision,
            part=PartInfo(
                id=part.id,
                position=part.position,
                title=title,
                presenter_id=part.presenter_id,
                minutes=part.minutes,
                question=part.question,
                topic_id=part.topic_id,
                message_ts=part.message_ts,
            ),
            parts=len(parts),
            thread_ts=live.thread_ts,
            channel_id=live.channel_id,
            skipped=dropped,
            round_ts=posted if part.position == 0 else None,
        )


def _member_ids(s: Session, live: LiveSession) -> tuple[str, ...]:
    return tuple(m.user_id for m in q.active_members(s, live.team_id, live.set_id))


def _was_run(live: LiveSession | None) -> bool:
    return live is not None and live.status == LiveStatus.ENDED


def _steps(live: LiveSession) -> tuple[lv.Step, ...]:
    return tuple(lv.Step.load(raw) for raw in live.steps)


def _clock(live: LiveSession) -> lv.Clock:
    return lv.Clock(
        live.step, live.deadline, live.paused_left, ended=live.status == LiveStatus.ENDED
    )
