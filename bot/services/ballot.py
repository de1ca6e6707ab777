"""The ballot: one voter's private view of an open vote, and their clicks on it.

A click sets how many of the voter's votes a topic gets, or is refused with the reason; it is
decided and committed inside one transaction before the listener acks, so every answer a voter
sees is true. Budgets and caps hold under concurrent clicks:

- **PostgreSQL**: the usual click (an eligible voter, an open vote whose rules are fixed, a topic
  in it, within the rules) is decided and written in one statement by ``als_vote_allocate``
  (migration 0007), which takes the locks below. Anything else (a first vote, a refusal, a
  non-member...) is referred here, to the one Python path, which says why.
- **The Python path** (every click on SQLite): the vote row (``FOR SHARE``; ``FOR UPDATE`` for
  the first vote, which freezes the rules) and the voter's membership ``FOR UPDATE`` are locked,
  so one voter's clicks are serialised; then the voter's totals are read, in a statement of
  their own (a PostgreSQL statement that waited for a lock sees the data of when it began);
  then the access policy and ``bot.domain.agenda.allocation_problem`` decide. SQLite's write
  transactions hold the database's write lock, so nothing can change under them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.agenda import allocation_problem
from bot.domain.errors import Conflict, DomainError, NotFound
from bot.domain.status import VoteStatus
from bot.domain.topics import TopicStatus
from bot.services import access
from bot.services.readmodels import topic_info, vote_rules, vote_state
from bot.services.views import Allocation, Ballot, Panel
from bot.storage import agenda_queries as aq
from bot.storage import queries as q
from bot.storage.db import Busy, Database, is_lock_timeout
from bot.storage.models import AgendaVote, LearningSet, Membership, Topic
from bot.storage.types import utcnow

# A click waits at most this long for a lock, so its ack stays within Slack's 3 seconds.
LOCK_WAIT = 2.0
BUSY = "Many votes are arriving at once and yours could not be counted. Nothing was changed: please choose again."
CLOSED = "This vote is closed: the agenda is in the channel message."


class BallotService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def panel(
        self, team_id: str, user_id: str, vote_id: int, *, refused: str | None = None
    ) -> Panel:
        """The voter's ballot as committed now; ``refused`` explains a refused click."""
        with self._db.read() as s:
            vote = aq.vote_by_id(s, team_id, vote_id)
            if vote is None:
                raise NotFound("That vote no longer exists.")
            lset = s.get(LearningSet, vote.set_id)
            assert lset is not None
            if vote.status != VoteStatus.OPEN:
                raise Conflict(CLOSED)
            rules = vote_rules(vote, lset)
            access.require_voter(lset, rules, q.membership(s, team_id, lset.id, user_id))
            mine = aq.votes_of(s, vote.id, user_id)
            return Panel(
                vote_id=vote.id,
                rules=rules,
                topics=tuple(topic_info(t) for t in aq.submitted_topics(s, vote.session_id)),
                voter_id=user_id,
                allocations=mine,
                remaining=rules.budget - sum(mine.values()),
                message=refused,
            )

    def click(
        self,
        team_id: str,
        user_id: str,
        vote_id: int,
        topic_id: int,
        count: int,
        *,
        decided: Callable[[], None] = lambda: None,
    ) -> Ballot:
        """Set how many of ``user_id``'s votes ``topic_id`` gets (or refuse, and say why); the
        ballot as committed afterwards, and the vote when its turnout changed.

        ``decided`` is called as soon as the decision is committed (or refused), before the
        ballot and the vote are read: the listener acks Slack there, so the ack waits for the
        vote to be counted and for nothing else."""
        try:
            outcome = self.allocate(team_id, user_id, vote_id, topic_id, count)
        except DomainError as exc:
            decided()
            return Ballot(panel=None, notice=exc.message)
        decided()
        try:
            panel = self.panel(team_id, user_id, vote_id, refused=outcome.message)
        except DomainError as exc:  # closed in the meantime
            return Ballot(panel=None, notice=exc.message)
        vote = None
        if outcome.turnout_changed:
            with self._db.read() as s:
                found = aq.vote_by_id(s, team_id, vote_id)
                vote = vote_state(s, found, self._clock()) if found else None
        return Ballot(panel=panel, vote=vote)

    def allocate(
        self, team_id: str, user_id: str, vote_id: int, topic_id: int, count: int
    ) -> Allocation:
        """Decide and commit one click. Returns once the decision is committed; a refused
        change changes nothing."""
        try:
            if self._db.dialect == "postgresql":
                with self._db.autocommit() as conn:
                    done, turnout_changed = aq.vote_allocate(
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
                return self._decide(s, team_id, user_id, vote_id, topic_id, count)
        except Busy:
            raise Conflict(BUSY) from None
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise Conflict(BUSY) from None
            raise

    def _decide(
        self, s: Session, team_id: str, user_id: str, vote_id: int, topic_id: int, count: int
    ) -> Allocation:
        """The one Python path: lock, read, decide with the access policy and the domain rule,
        write."""
        postgres = self._db.dialect == "postgresql"
        fixed = False
        if postgres:
            # rules_fixed only ever goes from false to true, so an unlocked read tells which
            # lock to take; taking it directly (never upgrading SHARE to UPDATE) avoids the
            # deadlock of two first votes both holding SHARE and both asking for UPDATE. The
            # same statement bounds this transaction's lock waits.
            first = s.execute(
                select(
                    AgendaVote.rules_fixed,
                    func.set_config("lock_timeout", f"{int(LOCK_WAIT * 1000)}ms", True),
                ).where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
            ).first()
            if first is None:
                raise NotFound("That vote no longer exists.")
            fixed = bool(first[0])
        vote = s.scalar(
            select(AgendaVote)
            .where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
            .with_for_update(read=fixed)
        )
        if vote is None:
            raise NotFound("That vote no longer exists.")
        lset = s.get(LearningSet, vote.set_id)
        assert lset is not None
        if vote.status != VoteStatus.OPEN:
            raise Conflict("This vote is closed: nothing was changed.")
        rules = vote_rules(vote, lset)
        member = s.scalar(
            select(Membership)
            .where(
                Membership.team_id == team_id,
                Membership.set_id == lset.id,
                Membership.user_id == user_id,
            )
            .with_for_update()
        )
        access.require_voter(lset, rules, member)
        topic = s.get(Topic, topic_id)
        if (
            topic is None
            or topic.session_id != vote.session_id
            or topic.status != TopicStatus.SUBMITTED
        ):
            return Allocation(accepted=False, message="That topic is no longer in the vote.")
        # After the voter's row is locked, in a statement of its own.
        total, current = s.execute(
            aq.vote_click_totals(), {"vote": vote_id, "user": user_id, "topic": topic_id}
        ).one()
        problem = allocation_problem(
            rules,
            voter_is_author=topic.author_id == user_id,
            current_total=total,
            current_on_topic=current,
            new_on_topic=count,
        )
        if problem:
            return Allocation(accepted=False, message=problem)
        if count != current:
            if not vote.rules_fixed:
                s.execute(
                    update(AgendaVote)
                    .where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
                    .values(rules=rules.dump(), rules_fixed=True)
                )
            s.execute(
                aq.vote_click_write(self._db.dialect),
                {
                    "team": team_id,
                    "vote": vote_id,
                    "user": user_id,
                    "topic": topic_id,
                    "count": count,
                    "now": utcnow(),
                },
            )
        return Allocation(
            accepted=True, turnout_changed=(total == 0) != (total - current + count == 0)
        )
