"""Use cases for the agenda vote and the agenda.

Budgets and caps are enforced here, in the database, inside one transaction that holds the
vote's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transactions begin
``IMMEDIATE``), so concurrent clicks are serialised and every answer a voter gets is true.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.agenda import Candidate, VoteRules, allocation_problem, rank, split_minutes
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.text import escape
from bot.domain.topics import TopicStatus
from bot.ids import COMMAND
from bot.services.sets import rules_of, session_info, set_info
from bot.services.topics import topic_info
from bot.services.views import AgendaEntry, Airtime, Allocation, Panel, VoteState
from bot.storage import queries as q
from bot.storage.db import Busy, Database, is_lock_timeout
from bot.storage.models import (
    UNFINISHED_VOTE,
    AgendaItem,
    AgendaVote,
    LearningSet,
    Membership,
    PlannedSession,
    Topic,
    VoteAllocation,
)
from bot.storage.types import utcnow

OPEN, CLOSED, CONFIRMED, SKIPPED = "open", "closed", "confirmed", "skipped"
# A click waits at most this long for a lock, so its ack stays within Slack's 3 seconds.
LOCK_WAIT = 2.0
BUSY = "Many votes are arriving at once and yours could not be counted. Nothing was changed: please choose again."


def _vote_rules(vote: AgendaVote, lset: LearningSet) -> VoteRules:
    """The rules of a vote: the set's current ones until the first vote is cast, then frozen."""
    return VoteRules.load(vote.rules) if vote.rules_fixed else rules_of(lset)


def _eligible_voters(s: Session, lset: LearningSet, rules: VoteRules) -> list[str]:
    return [
        m.user_id
        for m in q.active_members(s, lset.team_id, lset.id)
        if not m.is_facilitator or rules.facilitator_votes
    ]


def _submitted(s: Session, session_id: int) -> list[Topic]:
    return list(
        s.scalars(
            select(Topic)
            .where(Topic.session_id == session_id, Topic.status == TopicStatus.SUBMITTED)
            .order_by(Topic.submitted_at, Topic.id)
        )
    )


def _ledger(s: Session, team_id: str, set_id: int) -> dict[str, tuple[int, int, datetime | None]]:
    """Airtime ledger: presenter -> (sessions presented, minutes given, last presented)."""
    rows = s.execute(
        select(AgendaItem.presenter_id, AgendaItem.minutes, PlannedSession.starts_at)
        .join(AgendaVote, AgendaVote.id == AgendaItem.vote_id)
        .join(PlannedSession, PlannedSession.id == AgendaVote.session_id)
        .where(
            AgendaItem.team_id == team_id,
            AgendaItem.set_id == set_id,
            AgendaVote.status == CONFIRMED,
        )
    ).all()
    ledger: dict[str, tuple[int, int, datetime | None]] = {}
    for presenter, minutes, starts_at in rows:
        count, total, last = ledger.get(presenter, (0, 0, None))
        ledger[presenter] = (count + 1, total + minutes, max(filter(None, (last, starts_at))))
    return ledger


class AgendaService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- reading --------------------------------------------------------------------------
    def _state(self, s: Session, vote: AgendaVote) -> VoteState:
        lset = s.get(LearningSet, vote.set_id)
        session = s.get(PlannedSession, vote.session_id)
        assert lset is not None and session is not None
        rules = _vote_rules(vote, lset)
        eligible = _eligible_voters(s, lset, rules)
        voters = s.scalar(
            select(func.count(func.distinct(VoteAllocation.voter_id))).where(
                VoteAllocation.vote_id == vote.id,
                VoteAllocation.count > 0,
                VoteAllocation.voter_id.in_(eligible),
            )
        )
        items = s.scalars(
            select(AgendaItem).where(AgendaItem.vote_id == vote.id).order_by(AgendaItem.position)
        ).all()
        agenda = tuple(
            AgendaEntry(
                topic=topic_info(s.get(Topic, item.topic_id)),  # type: ignore[arg-type]
                position=item.position,
                minutes=item.minutes,
                votes=item.votes,
            )
            for item in items
        )
        chosen = {e.topic.id for e in agenda}
        carried = ()
        if vote.status in (CLOSED, CONFIRMED):
            carried = tuple(
                topic_info(t) for t in _submitted(s, vote.session_id) if t.id not in chosen
            )
        ledger = _ledger(s, lset.team_id, lset.id)
        info = set_info(s, lset, self._clock())
        participants = info.participants
        airtime = tuple(
            Airtime(
                user_id=u,
                sessions=ledger.get(u, (0, 0, None))[0],
                minutes=ledger.get(u, (0, 0, None))[1],
            )
            for u in participants
        )
        split = split_minutes(session.duration_minutes, max(len(agenda), 1), rules)
        return VoteState(
            id=vote.id,
            set=info,
            session=session_info(session),
            status=vote.status,
            channel_id=vote.channel_id,
            message_ts=vote.message_ts,
            rules=rules,
            topics=tuple(topic_info(t) for t in _submitted(s, vote.session_id)),
            voters=int(voters or 0),
            eligible=len(eligible),
            agenda=agenda,
            carried_over=carried,
            rule_text=split.rule,
            airtime=airtime,
        )

    def state(self, team_id: str, vote_id: int) -> VoteState:
        with self._db.read() as s:
            return self._state(s, self._vote(s, team_id, vote_id))

    def _vote(self, s: Session, team_id: str, vote_id: int, *, lock: bool = False) -> AgendaVote:
        stmt = select(AgendaVote).where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
        if lock:
            stmt = stmt.with_for_update()
        vote = s.scalar(stmt)
        if vote is None:
            raise NotFound("That vote no longer exists.")
        return vote

    def _locked(self, s: Session, team_id: str, vote_id: int) -> tuple[AgendaVote, LearningSet]:
        """The vote, locked for this transaction, and its set."""
        vote = self._vote(s, team_id, vote_id, lock=True)
        lset = s.get(LearningSet, vote.set_id)
        assert lset is not None
        return vote, lset

    def _require_facilitator(self, s: Session, lset: LearningSet, user_id: str, what: str) -> None:
        member = q.membership(s, lset.team_id, lset.id, user_id)
        if member is None or member.left_at is not None or not member.is_facilitator:
            raise NotAllowed(f"Only the facilitator of *{escape(lset.name)}* can {what}.")

    def _require_voter(
        self, s: Session, lset: LearningSet, rules: VoteRules, user_id: str
    ) -> Membership:
        return self._check_voter(lset, rules, q.membership(s, lset.team_id, lset.id, user_id))

    def _check_voter(
        self, lset: LearningSet, rules: VoteRules, member: Membership | None
    ) -> Membership:
        if member is None or member.left_at is not None:
            raise NotAllowed(f"Only members of *{escape(lset.name)}* can vote on its agenda.")
        if member.is_facilitator and not rules.facilitator_votes:
            raise NotAllowed(
                "As the facilitator you don't vote in this set (the set's settings say the "
                "facilitator does not participate)."
            )
        return member

    # -- opening --------------------------------------------------------------------------
    def open(self, team_id: str, user_id: str, channel_id: str) -> VoteState:
        """Open the vote of the set's next session (facilitator). With no more topics than
        slots, all are chosen at once and the agenda is drafted without a vote."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = q.set_by_channel(s, team_id, channel_id)
            if lset is None:
                raise NotFound(
                    f"There is no set in this channel. Run `{COMMAND} agenda` in your set's channel."
                )
            self._require_facilitator(s, lset, user_id, "open the agenda vote")
            upcoming = q.upcoming_sessions(s, team_id, lset.id, now)
            if not upcoming:
                raise NotFound(f"No session of *{escape(lset.name)}* is planned.")
            session = upcoming[0]
            existing = s.scalar(select(AgendaVote).where(AgendaVote.session_id == session.id))
            if existing is not None:
                state = {OPEN: "is already open", CLOSED: "is closed and its agenda drafted"}.get(
                    existing.status, "is over"
                )
                raise Conflict(f"The agenda vote for this session {state}: see the message above.")
            vote = AgendaVote(
                team_id=team_id,
                set_id=lset.id,
                session_id=session.id,
                status=OPEN,
                channel_id=lset.channel_id,
                opened_by=user_id,
                opened_at=now,
                ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
            )
            s.add(vote)
            s.flush()
            topics = _submitted(s, session.id)
            if topics and len(topics) <= rules_of(lset).slots_for(session.duration_minutes):
                self._close(s, vote, lset, now)  # all are chosen: no vote needed
            return self._state(s, vote)

    def attach_message(self, team_id: str, vote_id: int, ts: str) -> None:
        with self._db.write() as s, s.begin():
            self._vote(s, team_id, vote_id).message_ts = ts

    def open_votes_of_set(self, team_id: str, set_id: int) -> list[VoteState]:
        """Open votes of a set (their messages change when a member leaves)."""
        with self._db.read() as s:
            votes = s.scalars(
                select(AgendaVote).where(
                    AgendaVote.team_id == team_id,
                    AgendaVote.set_id == set_id,
                    AgendaVote.status == OPEN,
                )
            ).all()
            return [self._state(s, vote) for vote in votes]

    def vote_in_channel(self, team_id: str, channel_id: str) -> VoteState:
        """The latest vote of the set in this channel (for ``/als agenda close``)."""
        with self._db.read() as s:
            lset = q.set_by_channel(s, team_id, channel_id)
            if lset is None:
                raise NotFound("There is no set in this channel.")
            vote = s.scalar(
                select(AgendaVote)
                .where(AgendaVote.team_id == team_id, AgendaVote.set_id == lset.id)
                .order_by(AgendaVote.opened_at.desc(), AgendaVote.id.desc())
                .limit(1)
            )
            if vote is None:
                raise NotFound(f"No agenda vote has been opened. Run `{COMMAND} agenda` first.")
            return self._state(s, vote)

    # -- voting ---------------------------------------------------------------------------
    def panel(
        self, team_id: str, user_id: str, vote_id: int, *, refused: str | None = None
    ) -> Panel:
        """The voter's ballot as committed now; ``refused`` explains a refused click."""
        with self._db.read() as s:
            vote = self._vote(s, team_id, vote_id)
            lset = s.get(LearningSet, vote.set_id)
            assert lset is not None
            if vote.status != OPEN:
                raise Conflict("This vote is closed: the agenda is in the channel message.")
            rules = _vote_rules(vote, lset)
            self._require_voter(s, lset, rules, user_id)
            return self._panel(s, vote, lset, user_id, refused)

    def _panel(
        self, s: Session, vote: AgendaVote, lset: LearningSet, user_id: str, message: str | None
    ) -> Panel:
        mine = {
            a.topic_id: a.count
            for a in s.scalars(
                select(VoteAllocation).where(
                    VoteAllocation.vote_id == vote.id, VoteAllocation.voter_id == user_id
                )
            )
        }
        rules = _vote_rules(vote, lset)
        return Panel(
            vote_id=vote.id,
            rules=rules,
            topics=tuple(topic_info(t) for t in _submitted(s, vote.session_id)),
            voter_id=user_id,
            allocations=mine,
            remaining=rules.budget - sum(mine.values()),
            message=message,
        )

    def allocate(
        self, team_id: str, user_id: str, vote_id: int, topic_id: int, count: int
    ) -> Allocation:
        """Set how many of ``user_id``'s votes ``topic_id`` gets, or refuse and say why (a
        refused change changes nothing). Returns once the decision is committed.

        Locks: the voter's membership row ``FOR UPDATE`` (a voter's clicks are serialised, so
        the budget cannot be overspent by simultaneous clicks) and the vote row ``FOR SHARE``
        (closing the vote, which takes it ``FOR UPDATE``, waits for clicks in flight). Only
        the first vote cast takes the vote row exclusively, to freeze the vote's rules. On
        SQLite, write transactions are serialised anyway (``BEGIN IMMEDIATE``). On PostgreSQL
        the usual click is one statement (``als_vote_allocate``, migration 0007) with the same
        locks; what it refers (nothing written) is decided here.
        """
        try:
            return self._allocate(team_id, user_id, vote_id, topic_id, count)
        except Busy:
            raise Conflict(BUSY) from None
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise Conflict(BUSY) from None
            raise

    def _allocate(
        self, team_id: str, user_id: str, vote_id: int, topic_id: int, count: int
    ) -> Allocation:
        if self._db.dialect == "postgresql":
            # One round trip instead of seven (ping aside): the same locks and checks, in
            # a server-side function; anything unusual comes back to the path below.
            with self._db.autocommit() as conn:
                done, turnout_changed = q.vote_allocate(
                    conn,
                    team_id,
                    vote_id,
                    user_id,
                    topic_id,
                    count,
                    lock_ms=int(LOCK_WAIT * 1000),
                    now=utcnow(),
                )
            if done:
                return Allocation(accepted=True, turnout_changed=turnout_changed)
        with self._db.write(wait=LOCK_WAIT) as s, s.begin():
            fixed: bool | None = None  # SQLite: read with the rest (writers are serialised)
            if self._db.dialect == "postgresql":
                # rules_fixed only ever goes from false to true, so an unlocked read tells
                # which lock to take; taking it directly (never upgrading SHARE to UPDATE)
                # avoids the deadlock of two first votes both holding SHARE and both asking
                # for UPDATE. The same statement bounds this transaction's lock waits.
                first = s.execute(
                    select(
                        AgendaVote.rules_fixed,
                        func.set_config("lock_timeout", f"{int(LOCK_WAIT * 1000)}ms", True),
                    ).where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
                ).first()
                if first is None:
                    raise NotFound("That vote no longer exists.")
                fixed = bool(first[0])
            fast = self._allocate_fast(s, team_id, user_id, vote_id, topic_id, count, fixed)
            if fast is not None:
                return fast
            # Anything unusual (not a member, a closed vote, a topic gone...): the checks
            # below say why, with the same locks.
            vote = s.scalar(
                select(AgendaVote)
                .where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
                .with_for_update(read=bool(fixed))
            )
            if vote is None:
                raise NotFound("That vote no longer exists.")
            lset = s.get(LearningSet, vote.set_id)
            assert lset is not None
            if vote.status != OPEN:
                raise Conflict("This vote is closed: nothing was changed.")
            rules = _vote_rules(vote, lset)
            member = s.scalar(
                select(Membership)
                .where(
                    Membership.team_id == team_id,
                    Membership.set_id == lset.id,
                    Membership.user_id == user_id,
                )
                .with_for_update()
            )
            self._check_voter(lset, rules, member)
            topic = s.get(Topic, topic_id)
            if (
                topic is None
                or topic.session_id != vote.session_id
                or topic.status != TopicStatus.SUBMITTED
            ):
                return Allocation(accepted=False, message="That topic is no longer in the vote.")
            # Every click that passes these checks was decided by the fast path.
            raise AssertionError("a valid click missed the fast path")

    def _allocate_fast(
        self,
        s: Session,
        team_id: str,
        user_id: str,
        vote_id: int,
        topic_id: int,
        count: int,
        fixed: bool | None,
    ) -> Allocation | None:
        """The usual click (an active member, an open vote, a topic in it) in Core statements.
        PostgreSQL (``fixed`` read by the caller): a locking read, the vote row FOR SHARE
        (FOR UPDATE for the first vote, which freezes the rules) and the voter's membership
        FOR UPDATE, as the full path takes them; then the voter's totals; then the write.
        SQLite (``fixed`` None; the transaction holds the database's write lock, so nothing
        can change under it): one read with the totals, then the write. None when the click is
        not the usual case (the caller's full path answers it); nothing is written then."""
        # Core statements on the session's connection (the ORM layer adds nothing here).
        conn = s.connection()
        params = {"team": team_id, "vote": vote_id, "user": user_id, "topic": topic_id}
        combined = fixed is None  # SQLite: the totals come with the first read
        lock = None if combined else ("SHARE" if fixed else "UPDATE")
        row = conn.execute(q.vote_click_read(lock), params).first()
        if row is None or row.status != OPEN or row.left_at is not None:
            return None
        if combined:
            fixed, total, current = bool(row.rules_fixed), int(row.total), int(row.current)
        if row.topic_session != row.session_id or row.topic_status != TopicStatus.SUBMITTED:
            return None
        rules = (
            VoteRules.load(row.rules)
            if fixed
            else replace(
                VoteRules.load(row.settings), facilitator_votes=row.facilitator_participates
            )
        )
        if row.is_facilitator and not rules.facilitator_votes:
            return None
        if not combined:
            # Read after the voter's row is locked, in a statement of its own: on PostgreSQL
            # a statement that waited for a lock still sees the data of when it began, so the
            # voter's earlier click (the lock holder) would be missed.
            total, current = conn.execute(q.vote_click_totals(), params).one()
        problem = allocation_problem(
            rules,
            voter_is_author=row.author_id == user_id,
            current_total=total,
            current_on_topic=current,
            new_on_topic=count,
        )
        if problem:
            return Allocation(accepted=False, message=problem)
        if count != current:
            if not fixed:
                s.execute(
                    update(AgendaVote)
                    .where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
                    .values(rules=rules.dump(), rules_fixed=True)
                )
            conn.execute(
                q.vote_click_write(self._db.dialect), {**params, "count": count, "now": utcnow()}
            )
        return Allocation(
            accepted=True, turnout_changed=(total == 0) != (total - current + count == 0)
        )

    # -- closing --------------------------------------------------------------------------
    def close(self, team_id: str, user_id: str | None, vote_id: int) -> VoteState:
        """Close the vote into a drafted agenda (facilitator; ``user_id`` None: the scheduler)."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            if user_id is not None:
                self._require_facilitator(s, lset, user_id, "close the vote")
            if vote.status != OPEN:
                raise Conflict("This vote is already closed.")
            self._close(s, vote, lset, now)
            return self._state(s, vote)

    def _close(self, s: Session, vote: AgendaVote, lset: LearningSet, now: datetime) -> None:
        rules = _vote_rules(vote, lset)
        session = s.get(PlannedSession, vote.session_id)
        assert session is not None
        topics = _submitted(s, vote.session_id)
        eligible = set(_eligible_voters(s, lset, rules))
        tallies: dict[int, int] = defaultdict(int)
        for a in s.scalars(select(VoteAllocation).where(VoteAllocation.vote_id == vote.id)):
            if a.voter_id in eligible:
                tallies[a.topic_id] += a.count
        ledger = _ledger(s, lset.team_id, lset.id)
        ranked = rank(
            [
                Candidate(
                    topic_id=t.id,
                    author_id=t.author_id,
                    votes=tallies[t.id],
                    carried=t.carried_from_id is not None,
                    presented_count=ledger.get(t.author_id, (0, 0, None))[0],
                    last_presented_at=ledger.get(t.author_id, (0, 0, None))[2],
                    submitted_at=t.submitted_at,
                )
                for t in topics
            ]
        )
        chosen = ranked[: rules.slots_for(session.duration_minutes)]
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
        vote.status = CLOSED
        vote.closed_at = now
        if not vote.rules_fixed:
            vote.rules = rules.dump()
            vote.rules_fixed = True
        self._carry_over(
            s, lset, session, [t for t in topics if t.id not in {c.topic_id for c in chosen}], now
        )
        s.flush()

    def _carry_over(
        self,
        s: Session,
        lset: LearningSet,
        session: PlannedSession,
        topics: list[Topic],
        now: datetime,
    ) -> None:
        """Topics not chosen go to the next session, with priority in the tie-break."""
        following = s.scalar(
            select(PlannedSession)
            .where(
                PlannedSession.set_id == lset.id,
                PlannedSession.status == "planned",
                PlannedSession.starts_at > session.starts_at,
            )
            .order_by(PlannedSession.starts_at)
            .limit(1)
        )
        if following is None:
            return
        for topic in topics:
            if s.scalar(
                select(Topic.id).where(
                    Topic.session_id == following.id, Topic.author_id == topic.author_id
                )
            ):
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
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            self._require_facilitator(s, lset, user_id, "skip the vote")
            if vote.status != OPEN:
                raise Conflict("This vote is already closed.")
            vote.status = SKIPPED
            vote.closed_at = self._clock()
            s.flush()
            return self._state(s, vote)

    def adjust(
        self, team_id: str, user_id: str, vote_id: int, plan: dict[int, tuple[int, int]]
    ) -> VoteState:
        """Set order and minutes of a drafted agenda: topic id -> (position, minutes)."""
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            session = s.get(PlannedSession, vote.session_id)
            assert session is not None
            self._require_facilitator(s, lset, user_id, "change the agenda")
            if vote.status != CLOSED:
                raise Conflict("This agenda can no longer be changed.")
            items = {
                i.topic_id: i
                for i in s.scalars(select(AgendaItem).where(AgendaItem.vote_id == vote.id))
            }
            errors: dict[str, str] = {}
            positions = sorted(p for p, _ in plan.values())
            if set(plan) != set(items):
                raise Conflict("The agenda changed meanwhile: open the adjustment again.")
            if positions != list(range(1, len(items) + 1)):
                for topic_id in plan:
                    errors[f"position_{topic_id}"] = f"Use each place from 1 to {len(items)} once."
            for topic_id, (_, minutes) in plan.items():
                if not 1 <= minutes <= session.duration_minutes:
                    errors[f"minutes_{topic_id}"] = (
                        f"Between 1 and {session.duration_minutes} minutes."
                    )
            total = sum(m for _, m in plan.values())
            if not errors and total > session.duration_minutes:
                for topic_id in plan:
                    errors[f"minutes_{topic_id}"] = (
                        f"{total} min in all: more than the {session.duration_minutes} min session."
                    )
            if errors:
                raise InvalidInput(errors)
            for topic_id, (position, minutes) in plan.items():
                items[topic_id].position = position
                items[topic_id].minutes = minutes
            s.flush()
            return self._state(s, vote)

    def confirm(self, team_id: str, user_id: str | None, vote_id: int) -> VoteState:
        with self._db.write() as s, s.begin():
            vote, lset = self._locked(s, team_id, vote_id)
            if user_id is not None:
                self._require_facilitator(s, lset, user_id, "confirm the agenda")
            if vote.status != CLOSED:
                raise Conflict("This agenda is not waiting for confirmation.")
            vote.status = CONFIRMED
            vote.confirmed_at = self._clock()
            s.flush()
            return self._state(s, vote)

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
