"""Use cases for the agenda vote and the agenda: opening and closing the vote, the drafted agenda,
its adjustment and confirmation. The ballot (a voter's clicks) is ``bot.services.ballot``.

Changes to a vote hold its row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write
transactions begin ``IMMEDIATE``), so they are serialised with the clicks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.agenda import Candidate, choose, split_minutes
from bot.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from bot.domain.status import VoteStatus
from bot.domain.text import escape
from bot.domain.topics import TopicStatus
from bot.ids import COMMAND
from bot.services import access, announce
from bot.services.readmodels import passed_over, rules_of, vote_rules, vote_state
from bot.services.reportback import round_for_session
from bot.services.views import VoteOpened, VoteState
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import (
    UNFINISHED_VOTE,
    AgendaItem,
    AgendaVote,
    LearningSet,
    PlannedSession,
    Topic,
)

NO_SET = access.NO_SET_HERE


class AgendaService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- reading --------------------------------------------------------------------------
    def state(self, team_id: str, vote_id: int) -> VoteState:
        with self._db.read() as s:
            return vote_state(s, self._vote(s, team_id, vote_id), self._clock())

    @staticmethod
    def _vote(s: Session, team_id: str, vote_id: int, *, lock: bool = False) -> AgendaVote:
        vote = aq.vote_by_id(s, team_id, vote_id, lock=lock)
        if vote is None:
            raise NotFound("That vote no longer exists.")
        return vote

    def _locked(self, s: Session, team_id: str, vote_id: int) -> tuple[AgendaVote, LearningSet]:
        """The vote, locked for this transaction, and its set."""
        vote = self._vote(s, team_id, vote_id, lock=True)
        lset = s.get(LearningSet, vote.set_id)
        assert lset is not None
        return vote, lset

    @staticmethod
    def _may(s: Session, lset: LearningSet, vote: AgendaVote, user_id: str, what: str) -> None:
        """The facilitator of the vote's session (or the lead) may ``what``."""
        session = s.get(PlannedSession, vote.session_id)
        assert session is not None
        access.require_session_facilitator(s, lset, session, user_id, what)

    @staticmethod
    def _changed(s: Session, vote: AgendaVote, now: datetime) -> VoteState:
        """The vote as this change leaves it, its channel message owing the change (an outbox
        note written in the change's transaction)."""
        return announce.vote_changed(s, vote_state(s, vote, now), now)

    # -- opening --------------------------------------------------------------------------
    def open(self, team_id: str, user_id: str, channel_id: str) -> VoteOpened:
        """Open the vote of the set's next session (facilitator). With no more topics than
        slots, all are chosen at once and the agenda is drafted without a vote. The session's
        report-back round opens with it (it comes first in the session)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = q.set_by_channel(s, team_id, channel_id)
            if lset is None:
                raise NotFound(NO_SET)
            return self._open(s, lset, user_id, now, check=True)

    def open_for_set(self, team_id: str, set_id: int) -> VoteOpened | None:
        """The scheduler opens a session's vote at its start (when the set asks for it), as its
        facilitator would. None when there is nothing to open (no facilitator, already open...)."""
        now = self._clock()
        try:
            with self._db.write() as s, s.begin():
                lset = access.active_set(s, team_id, set_id)
                lead = access.facilitator_of(q.active_members(s, team_id, set_id))
                upcoming = q.upcoming_sessions(s, team_id, set_id, now)
                opener = access.session_facilitator(upcoming[0], lead) if upcoming else lead
                if opener is None:
                    return None
                return self._open(s, lset, opener, now)
        except DomainError:
            return None

    def _open(
        self, s: Session, lset: LearningSet, opener: str, now: datetime, *, check: bool = False
    ) -> VoteOpened:
        upcoming = q.upcoming_sessions(s, lset.team_id, lset.id, now)
        if not upcoming:
            if check:
                access.require_facilitator(s, lset, opener, "open the agenda vote")
            raise NotFound(f"No session of *{escape(lset.name)}* is planned.")
        session = upcoming[0]
        if check:  # the facilitator of that session (or the lead) opens its vote
            access.require_session_facilitator(s, lset, session, opener, "open the agenda vote")
        existing = aq.vote_of_session(s, session.id)
        if existing is not None:
            state = {
                VoteStatus.OPEN: "is already open",
                VoteStatus.CLOSED: "is closed and its agenda drafted",
            }.get(VoteStatus(existing.status), "is over")
            raise Conflict(f"The agenda vote for this session {state}: see the message above.")
        vote = AgendaVote(
            team_id=lset.team_id,
            set_id=lset.id,
            session_id=session.id,
            status=VoteStatus.OPEN,
            channel_id=lset.channel_id,
            opened_by=opener,
            opened_at=now,
            ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
        )
        s.add(vote)
        s.flush()
        absent = passed_over(s, lset, session, q.active_members(s, lset.team_id, lset.id))
        topics = [t for t in aq.submitted_topics(s, session.id) if t.author_id not in absent]
        if topics and len(topics) <= rules_of(lset).slots_for(session.duration_minutes):
            vote.without_vote = True  # all who will present are chosen: no vote needed
            self._close(s, vote, lset, now)
        round_ = round_for_session(s, lset, session, now, open_it=True)
        return VoteOpened(
            # The round first: it comes first in the session, so its message does too.
            round=announce.round_changed(s, round_, now) if round_.members else None,
            vote=self._changed(s, vote, now),
        )

    # -- closing --------------------------------------------------------------------------
    def close(self, team_id: str, user_id: str | None, vote_id: int) -> VoteState:
        """Close the vote into a drafted agenda (facilitator; ``user_id`` None: the scheduler)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            if user_id is not None:
                self._may(s, lset, vote, user_id, "close the vote")
            if vote.status != VoteStatus.OPEN:
                raise Conflict("This vote is already closed.")
            self._close(s, vote, lset, now)
            return self._changed(s, vote, now)

    def close_in_channel(self, team_id: str, user_id: str, channel_id: str) -> VoteState:
        """``/als agenda close``: the latest vote of the channel's set."""
        with self._db.read() as s:
            lset = q.set_by_channel(s, team_id, channel_id)
            if lset is None:
                raise NotFound(NO_SET)
            latest = aq.latest_vote(s, team_id, lset.id)
            if latest is None:
                raise NotFound(f"No agenda vote has been opened. Run `{COMMAND} agenda` first.")
        return self.close(team_id, user_id, latest.id)

    def _close(self, s: Session, vote: AgendaVote, lset: LearningSet, now: datetime) -> None:
        rules = vote_rules(vote, lset)
        session = s.get(PlannedSession, vote.session_id)
        assert session is not None
        topics = aq.submitted_topics(s, vote.session_id)
        members = q.active_members(s, lset.team_id, lset.id)
        eligible = access.voter_ids(members, rules)
        absent = passed_over(s, lset, session, members)
        tallies = aq.tallies(s, vote.id, eligible)
        ledger = aq.airtime_ledger(s, lset.team_id, lset.id)
        chosen = choose(
            [
                Candidate(
                    topic_id=t.id,
                    author_id=t.author_id,
                    votes=tallies.get(t.id, 0),
                    carried=t.carried_from_id is not None,
                    presented_count=ledger.get(t.author_id, (0, 0, None))[0],
                    last_presented_at=ledger.get(t.author_id, (0, 0, None))[2],
                    submitted_at=t.submitted_at,
                    absent=t.author_id in absent,
                )
                for t in topics
            ],
            rules.slots_for(session.duration_minutes),
        )
        split = split_minutes(session.duration_minutes, len(chosen), rules)
        for position, (candidate, minutes) in enumerate(
            zip(chosen, split.minutes, strict=True), start=1
        ):
            s.add(
                AgendaItem(
                    team_id=lset.team_id,
                    set_id=lset.id,
                    vote_id=vote.id,
                    topic_id=candidate.topic_id,
                    presenter_id=candidate.author_id,
                    position=position,
                    minutes=minutes,
                    votes=candidate.votes,
                )
            )
        vote.status = VoteStatus.CLOSED
        vote.closed_at = now
        if not vote.rules_fixed:
            vote.rules = rules.dump()
            vote.rules_fixed = True
        picked = {c.topic_id for c in chosen}
        self._carry_over(s, lset, session, [t for t in topics if t.id not in picked], now)
        s.flush()

    @staticmethod
    def _carry_over(
        s: Session, lset: LearningSet, session: PlannedSession, topics: list[Topic], now: datetime
    ) -> None:
        """Topics not chosen go to the next session, with priority in the tie-break."""
        following = q.next_session_after(s, lset, session)
        if following is None:
            return
        for topic in topics:
            if aq.topic_of(s, following.id, topic.author_id) is not None:
                continue  # the author has already answered for the next session
            s.add(
                Topic(
                    team_id=topic.team_id,
                    set_id=topic.set_id,
                    session_id=following.id,
                    author_id=topic.author_id,
                    status=TopicStatus.SUBMITTED,
                    title=topic.title,
                    scenario=topic.scenario,
                    question=topic.question,
                    tried=topic.tried,
                    shared=topic.shared,
                    carried_from_id=topic.id,
                    submitted_at=topic.submitted_at,
                    updated_at=now,
                )
            )

    def skip(self, team_id: str, user_id: str, vote_id: int) -> VoteState:
        now = self._clock()
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            self._may(s, lset, vote, user_id, "skip the vote")
            if vote.status != VoteStatus.OPEN:
                raise Conflict("This vote is already closed.")
            vote.status = VoteStatus.SKIPPED
            vote.closed_at = now
            s.flush()
            return self._changed(s, vote, now)

    # -- the drafted agenda -----------------------------------------------------------------
    def start_adjust(self, team_id: str, user_id: str, vote_id: int) -> VoteState:
        """The agenda the facilitator's "Adjust" modal opens on."""
        now = self._clock()
        with self._db.read() as s:
            vote = self._vote(s, team_id, vote_id)
            lset = s.get(LearningSet, vote.set_id)
            assert lset is not None
            self._may(s, lset, vote, user_id, "change the agenda")
            if vote.status != VoteStatus.CLOSED:
                raise Conflict("This agenda can no longer be changed.")
            return vote_state(s, vote, now)

    def adjust(
        self, team_id: str, user_id: str, vote_id: int, plan: dict[int, tuple[int, int]]
    ) -> VoteState:
        """Set order and minutes of a drafted agenda: topic id -> (position, minutes)."""
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            session = s.get(PlannedSession, vote.session_id)
            assert session is not None
            self._may(s, lset, vote, user_id, "change the agenda")
            if vote.status != VoteStatus.CLOSED:
                raise Conflict("This agenda can no longer be changed.")
            items = {item.topic_id: item for item, _ in aq.agenda_items(s, vote.id)}
            if set(plan) != set(items):
                raise Conflict("The agenda changed meanwhile: open the adjustment again.")
            errors = _plan_problems(plan, len(items), session.duration_minutes)
            if errors:
                raise InvalidInput(errors)
            for topic_id, (position, minutes) in plan.items():
                items[topic_id].position = position
                items[topic_id].minutes = minutes
            s.flush()
            return self._changed(s, vote, self._clock())

    def confirm(self, team_id: str, user_id: str | None, vote_id: int) -> VoteState:
        now = self._clock()
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            if user_id is not None:
                self._may(s, lset, vote, user_id, "confirm the agenda")
            if vote.status != VoteStatus.CLOSED:
                raise Conflict("This agenda is not waiting for confirmation.")
            vote.status = VoteStatus.CONFIRMED
            vote.confirmed_at = now
            s.flush()
            return self._changed(s, vote, now)

    # -- scheduler ------------------------------------------------------------------------
    def close_finished(self, at: datetime) -> list[VoteState]:
        """Votes still open when their session has ended close (and their agenda is confirmed:
        the session is over). Returns them so their messages can be updated."""
        with self._db.read() as s:
            # The literal condition is the partial index's (SQLite matches it only literally).
            candidates = s.execute(
                select(AgendaVote.id, AgendaVote.team_id).where(
                    text(f"agenda_votes.{UNFINISHED_VOTE}"), AgendaVote.ends_at <= at
                )
            ).all()
        done = []
        for vote_id, team_id in candidates:
            try:
                if self.state(team_id, vote_id).is_open:
                    self.close(team_id, None, vote_id)
                done.append(self.confirm(team_id, None, vote_id))
            except Conflict:
                continue  # another process closed it first
        return done


def _plan_problems(
    plan: dict[int, tuple[int, int]], items: int, session_minutes: int
) -> dict[str, str]:
    """Field errors of an agenda adjustment (places 1..n once each; minutes within the session)."""
    errors: dict[str, str] = {}
    positions = sorted(p for p, _ in plan.values())
    if positions != list(range(1, items + 1)):
        for topic_id in plan:
            errors[f"position_{topic_id}"] = f"Use each place from 1 to {items} once."
    for topic_id, (_, minutes) in plan.items():
        if not 1 <= minutes <= session_minutes:
            errors[f"minutes_{topic_id}"] = f"Between 1 and {session_minutes} minutes."
    total = sum(m for _, m in plan.values())
    if not errors and total > session_minutes:
        for topic_id in plan:
            errors[f"minutes_{topic_id}"] = (
                f"{total} min in all: more than the {session_minutes} min session."
            )
    return errors
