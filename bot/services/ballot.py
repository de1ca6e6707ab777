"""The ballot: one voter's private view of an open vote, and their clicks on it.

A click sets how many of the voter's votes a topic gets, or is refused with the reason; it is
decided and committed inside one transaction before the listener acks, so every answer a voter
sees is true. Budgets and caps hold under concurrent clicks:

- **PostgreSQL**: the usual click (an eligible voter, an open vote whose rules are fixed, a topic
  in it, within the rules) is decided and written in one statement by ``als_vote_allocate``
  (migration 0007), which takes the locks below. Anything else (a first vote, a refusal, a
  non-member...) is referred here, to the one Python path, which says why.
- **The Python path** (every click on SQLite, and PostgreSQL's referrals) reads what the click
  is decided on (``ClickFacts``), then the access policy (``access.require_voter``) and
  ``bot.domain.agenda.allocation_problem`` decide, and one statement writes. SQLite reads it in
  one statement (``agenda_queries.vote_click_facts``): its write transactions hold the
  database's write lock, so nothing can change under them. PostgreSQL takes the vote row
  ``FOR SHARE`` (``FOR UPDATE`` for the first vote, which freezes the rules) and the voter's
  membership ``FOR UPDATE``, so one voter's clicks are serialised, then reads the voter's
  totals in a statement of their own (a statement that waited for a lock sees the data of when
  it began).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.agenda import VoteRules, allocation_problem
from bot.domain.errors import Conflict, DomainError, NotFound
from bot.domain.outbox import Note
from bot.domain.status import VoteStatus
from bot.domain.topics import TopicStatus
from bot.services import access, announce
from bot.services.readmodels import fixed_or_current_rules, topic_info, vote_rules, vote_state
from bot.services.views import Allocation, Ballot, Panel
from bot.storage import agenda_queries as aq
from bot.storage.db import Busy, Database, is_lock_timeout
from bot.storage.models import AgendaVote, LearningSet, Membership, Topic
from bot.storage.types import utcnow

# A click waits at most this long for a lock, so its ack stays within Slack's 3 seconds.
LOCK_WAIT = 2.0
BUSY = "Many votes are arriving at once and yours could not be counted. Nothing was changed: please choose again."
CLOSED = "This vote is closed: the agenda is in the channel message."


class BallotService:
    def __init__(self, db: Database, clock: Clock, seal: access.BallotSeal) -> None:
        self._db = db
        self._clock = clock
        self._seal = seal

    def open(self, team_id: str, user_id: str, vote_id: int) -> Panel:
        """A new ballot for the voter (the "Vote" button), bound to them: its ``external_id``
        is sealed for this voter and vote (``access.BallotSeal``), and only a click from that
        modal, by that voter, may redraw it (``click``)."""
        panel = self.panel(team_id, user_id, vote_id)
        return replace(panel, external_id=self._seal.new(team_id, user_id, vote_id))

    def panel(
        self,
        team_id: str,
        user_id: str,
        vote_id: int,
        *,
        refused: str | None = None,
        external_id: str | None = None,
    ) -> Panel:
        """The voter's ballot as committed now; ``refused`` explains a refused click.

        Redrawn after every click, so read lean: two statements built once
        (``agenda_queries.ballot_*``), only the columns the ballot shows, no ORM objects, and
        on PostgreSQL no transaction around them (``Database.reads``)."""
        params = {"team": team_id, "vote": vote_id, "user": user_id}
        with self._db.reads() as conn:
            facts = conn.execute(aq.ballot_facts(), params).first()
            if facts is None:
                raise NotFound("That vote no longer exists.")
            if facts.status != VoteStatus.OPEN:
                raise Conflict(CLOSED)
            rules = fixed_or_current_rules(
                facts.rules, bool(facts.rules_fixed), facts.settings, facts.facilitator_participates
            )
            member = (
                None
                if facts.member_id is None
                else MemberFacts(facts.left_at, facts.is_facilitator)
            )
            access.require_voter(facts.name, rules, member)
            rows = conn.execute(aq.ballot_topics(), {**params, "session": facts.session_id}).all()
            return Panel(
                vote_id=vote_id,
                rules=rules,
                topics=tuple(topic_info(t) for t in rows),
                voter_id=user_id,
                allocations={t.id: int(t.votes) for t in rows if t.votes},
                remaining=rules.budget - int(facts.total),
                message=refused,
                external_id=external_id,
            )

    def click(
        self,
        team_id: str,
        user_id: str,
        vote_id: int,
        topic_id: int,
        count: int,
        *,
        external_id: str | None,
        decided: Callable[[], None] = lambda: None,
    ) -> Ballot:
        """Set how many of ``user_id``'s votes ``topic_id`` gets (or refuse, and say why); the
        ballot as committed afterwards, and the vote when its turnout changed.

        ``external_id`` is the modal the click came from (a claim): unless the bot opened it
        for this voter and this vote, the click is refused (``owned`` False), nothing is
        counted and no view may be redrawn.

        ``decided`` is called as soon as the decision is committed (or refused), before the
        ballot and the vote are read: the listener acks Slack there, so the ack waits for the
        vote to be counted and for nothing else."""
        if not external_id or not self._seal.opened_for(external_id, team_id, user_id, vote_id):
            decided()
            return Ballot(panel=None, owned=False)
        try:
            outcome = self.allocate(team_id, user_id, vote_id, topic_id, count)
        except DomainError as exc:
            decided()
            return Ballot(panel=None, notice=exc.message)
        decided()
        try:
            panel = self.panel(
                team_id, user_id, vote_id, refused=outcome.message, external_id=external_id
            )
        except DomainError as exc:  # closed in the meantime
            return Ballot(panel=None, notice=exc.message)
        vote = None
        if outcome.turnout_changed:
            with self._db.read() as s:  # its note was written with the click
                found = aq.vote_by_id(s, team_id, vote_id)
                if found is not None:
                    notes = announce.waiting(s, team_id, Note.VOTE, vote_id)
                    vote = replace(vote_state(s, found, self._clock()), notes=notes)
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
                        now=self._clock(),  # the app's clock: it also dates the vote message's note
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
        """The one Python path: read what the click is decided on (locked), decide with the
        access policy and the domain rule, write."""
        params = {"team": team_id, "vote": vote_id, "user": user_id, "topic": topic_id}
        if self._db.dialect == "postgresql":
            facts = self._read_locked(s, team_id, user_id, vote_id, topic_id, params)
        else:
            facts = _facts(s.connection().execute(aq.vote_click_facts(), params).first())
        if facts is None:
            raise NotFound("That vote no longer exists.")
        if facts.status != VoteStatus.OPEN:
            raise Conflict("This vote is closed: nothing was changed.")
        access.require_voter(facts.set_name, facts.rules, facts.member)
        if not facts.topic_in_vote:
            return Allocation(accepted=False, message="That topic is no longer in the vote.")
        problem = allocation_problem(
            facts.rules,
            voter_is_author=facts.author_id == user_id,
            current_total=facts.total,
            current_on_topic=facts.current,
            new_on_topic=count,
        )
        if problem:
            return Allocation(accepted=False, message=problem)
        if count != facts.current:
            if not facts.rules_fixed:
                s.execute(
                    update(AgendaVote)
                    .where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
                    .values(rules=facts.rules.dump(), rules_fixed=True)
                )
            s.connection().execute(
                aq.vote_click_write(self._db.dialect), {**params, "count": count, "now": utcnow()}
            )
        total, current = facts.total, facts.current
        turnout_changed = (total == 0) != (total - current + count == 0)
        if turnout_changed:  # the vote's message shows the turnout: it owes the change
            vote = aq.vote_by_id(s, team_id, vote_id)
            assert vote is not None
            announce.keep(
                s, team_id, vote.set_id, Note.VOTE, vote_id, vote.channel_id, self._clock()
            )
        return Allocation(accepted=True, turnout_changed=turnout_changed)

    @staticmethod
    def _read_locked(
        s: Session,
        team_id: str,
        user_id: str,
        vote_id: int,
        topic_id: int,
        params: dict[str, object],
    ) -> ClickFacts | None:
        """PostgreSQL: the vote row ``FOR SHARE`` (``FOR UPDATE`` for the first vote) and the
        voter's membership ``FOR UPDATE``, as ``als_vote_allocate`` takes them; then the totals,
        in a statement of their own."""
        # rules_fixed only ever goes from false to true, so an unlocked read tells which lock to
        # take; taking it directly (never upgrading SHARE to UPDATE) avoids the deadlock of two
        # first votes both holding SHARE and both asking for UPDATE. The same statement bounds
        # this transaction's lock waits.
        first = s.execute(
            select(
                AgendaVote.rules_fixed,
                func.set_config("lock_timeout", f"{int(LOCK_WAIT * 1000)}ms", True),
            ).where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
        ).first()
        if first is None:
            return None
        vote = s.scalar(
            select(AgendaVote)
            .where(AgendaVote.team_id == team_id, AgendaVote.id == vote_id)
            .with_for_update(read=bool(first[0]))
        )
        if vote is None:
            return None
        lset = s.get(LearningSet, vote.set_id)
        assert lset is not None
        member = s.scalar(
            select(Membership)
            .where(
                Membership.team_id == team_id,
                Membership.set_id == lset.id,
                Membership.user_id == user_id,
            )
            .with_for_update()
        )
        topic = s.get(Topic, topic_id)
        total, current = s.execute(aq.vote_click_totals(), params).one()
        return ClickFacts(
            status=vote.status,
            set_name=lset.name,
            rules=vote_rules(vote, lset),
            rules_fixed=vote.rules_fixed,
            member=MemberFacts(member.left_at, member.is_facilitator) if member else None,
            topic_in_vote=topic is not None
            and topic.session_id == vote.session_id
            and topic.status == TopicStatus.SUBMITTED,
            author_id=topic.author_id if topic else None,
            total=int(total),
            current=int(current),
        )


@dataclass(frozen=True)
class MemberFacts:
    left_at: datetime | None
    is_facilitator: bool


@dataclass(frozen=True)
class ClickFacts:
    """What one click is decided on, as read under the click's locks."""

    status: str
    set_name: str
    rules: VoteRules
    rules_fixed: bool
    member: MemberFacts | None  # None: not a member (never was)
    topic_in_vote: bool
    author_id: str | None
    total: int  # the voter's votes in all
    current: int  # the voter's votes on the topic


def _facts(row: Row[Any] | None) -> ClickFacts | None:
    """The facts of ``agenda_queries.vote_click_facts``' one read (SQLite)."""
    if row is None:
        return None
    member = None if row.member_id is None else MemberFacts(row.left_at, row.is_facilitator)
    return ClickFacts(
        status=row.status,
        set_name=row.name,
        rules=fixed_or_current_rules(
            row.rules, bool(row.rules_fixed), row.settings, row.facilitator_participates
        ),
        rules_fixed=bool(row.rules_fixed),
        member=member,
        topic_in_vote=row.topic_session == row.session_id
        and row.topic_status == TopicStatus.SUBMITTED,
        author_id=row.author_id,
        total=int(row.total),
        current=int(row.current),
    )
