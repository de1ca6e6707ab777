"""PostgreSQL decides the usual vote click in one statement (``als_vote_allocate``, migration
0007); it must decide exactly as the domain rules do.

The function restates the rules in SQL; this test pins it to them. It may only accept what
``bot.domain.agenda.allocation_problem`` and the access policy's voter rule
(``bot.services.access.voter_problem``) accept (otherwise a budget, a cap or the own-topic rule
could be broken), and it should accept all of it (otherwise every click would silently take the
slower Python path). A randomised
differential run, under several rule sets, compares each of its answers and the stored votes
with a model built from the domain rules; clicks it refers leave the database untouched.
"""

from __future__ import annotations

import random
import threading
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.agenda import VoteRules, allocation_problem
from bot.domain.topics import TopicStatus
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.services import access
from bot.storage import agenda_queries as aq
from bot.storage.db import Database
from bot.storage.models import AgendaVote, Membership, PlannedSession, Topic, VoteAllocation
from bot.storage.types import utcnow
from tests.conftest import FAC, MEMBERS, OUTSIDER
from tests.helpers import create_set, open_vote, submit_topic
from tests.test_agenda import SESSION_1

RULE_SETS = [
    VoteRules(),  # budget 3, cap 2, no self-vote, facilitator does not vote
    VoteRules(budget=2, cap=1, self_vote=True, facilitator_votes=True),
    VoteRules(budget=5, cap=5, self_vote=False, facilitator_votes=True),
]
STEPS = 250
UNKNOWN_TOPIC = 987654


def stored(db: Database, vote_id: int) -> dict[tuple[str, int], int]:
    with db.read() as s:
        return {
            (a.voter_id, a.topic_id): a.count
            for a in s.scalars(select(VoteAllocation).where(VoteAllocation.vote_id == vote_id))
            if a.count
        }


def call(db: Database, team: str, vote_id: int, user: str, topic: int, n: int) -> tuple[bool, bool]:
    with db.autocommit() as conn:
        return aq.vote_allocate(conn, team, vote_id, user, topic, n, lock_ms=2000, now=utcnow())


@pytest.fixture
def vote(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock, als: AlsBot
) -> tuple[int, dict[str, int], list[int]]:
    """A set, four submitted topics and the open vote of the first session; a fifth member
    who left, a withdrawn topic and a topic moved to another session (none may be voted on)."""
    if db.dialect != "postgresql":
        pytest.skip("als_vote_allocate exists on PostgreSQL only")
    create_set(driver, slack)
    for author in MEMBERS[:4]:
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(SESSION_1)
    open_vote(driver, slack)
    with db.write() as s, s.begin():
        vote_id = s.scalars(select(AgendaVote.id)).one()
        topics = s.scalars(select(Topic).order_by(Topic.id)).all()
        own = {t.author_id: t.id for t in topics}
        s.execute(
            update(Membership).where(Membership.user_id == MEMBERS[4]).values(left_at=utcnow())
        )
        other_session = s.scalars(
            select(PlannedSession.id).where(PlannedSession.id != topics[0].session_id)
        ).first()
        assert other_session is not None
        s.execute(
            update(Topic).where(Topic.id == topics[2].id).values(status=TopicStatus.WITHDRAWN)
        )
        s.execute(update(Topic).where(Topic.id == topics[3].id).values(session_id=other_session))
    return vote_id, own, [t.id for t in topics]


def membership_of(voter: str) -> Membership | None:
    """The voter's membership as the fixture left it: MEMBERS[4] left, OUTSIDER never joined."""
    if voter == OUTSIDER:
        return None
    left = utcnow() if voter == MEMBERS[4] else None
    return Membership(user_id=voter, is_facilitator=voter == FAC, left_at=left)


def expected_decision(
    rules: VoteRules,
    voter: str,
    topic: int,
    n: int,
    mine: dict[int, int],
    own: dict[str, int],
    votable: list[int],
) -> bool:
    if access.voter_problem("the set", rules, membership_of(voter)) is not None:
        return False
    if topic not in votable:
        return False
    return (
        allocation_problem(
            rules,
            voter_is_author=own.get(voter) == topic,
            current_total=sum(mine.values()),
            current_on_topic=mine.get(topic, 0),
            new_on_topic=n,
        )
        is None
    )


@pytest.mark.parametrize("rules", RULE_SETS, ids=["defaults", "tight", "loose"])
def test_the_function_decides_as_the_domain_rules(
    vote: tuple[int, dict[str, int], list[int]], db: Database, slack: FakeSlack, rules: VoteRules
) -> None:
    vote_id, own, topic_ids = vote
    votable = topic_ids[:2]
    with db.write() as s, s.begin():
        s.execute(
            update(AgendaVote)
            .where(AgendaVote.id == vote_id)
            .values(rules=rules.dump(), rules_fixed=True)
        )
    rng = random.Random(f"fast-path-{rules}")
    # Mostly eligible voters and votable topics, so both answers come often.
    voters = [FAC, *MEMBERS[:4]] * 4 + [MEMBERS[4], OUTSIDER]
    topics = votable * 4 + [*topic_ids[2:], UNKNOWN_TOPIC]
    model: dict[tuple[str, int], int] = {}
    accepted = referred = 0
    for step in range(STEPS):
        voter, topic = rng.choice(voters), rng.choice(topics)
        n = rng.randint(-1, rules.cap + 1)
        mine = {t: c for (v, t), c in model.items() if v == voter}
        expect = expected_decision(rules, voter, topic, n, mine, own, votable)
        before_total = sum(mine.values())
        done, turnout_changed = call(db, slack.team_id, vote_id, voter, topic, n)
        assert done == expect, (step, voter, topic, n, mine)
        if done:
            accepted += 1
            model[(voter, topic)] = n
            after_total = before_total - mine.get(topic, 0) + n
            assert turnout_changed == ((before_total == 0) != (after_total == 0)), step
        else:
            referred += 1
        model = {k: c for k, c in model.items() if c}
        assert stored(db, vote_id) == model, step
    # The run exercised both answers, many times.
    assert accepted > STEPS // 5 and referred > STEPS // 10, (accepted, referred)


def test_the_function_refers_a_closed_vote_and_the_first_vote(
    vote: tuple[int, dict[str, int], list[int]], db: Database, slack: FakeSlack
) -> None:
    """The first vote fixes the rules (the vote row is locked exclusively: the Python path);
    a closed vote is answered by the Python path, which says why."""
    vote_id, own, topic_ids = vote
    voter = MEMBERS[0]
    topic = next(t for t in topic_ids[:2] if t != own[voter])
    assert call(db, slack.team_id, vote_id, voter, topic, 1) == (False, False)  # not fixed
    with db.write() as s, s.begin():
        s.execute(
            update(AgendaVote)
            .where(AgendaVote.id == vote_id)
            .values(rules=VoteRules().dump(), rules_fixed=True)
        )
    assert call(db, slack.team_id, vote_id, voter, topic, 1) == (True, True)
    assert call(db, "T0OTHERTEAM", vote_id, voter, topic, 2) == (False, False)  # tenancy
    incomplete = {k: v for k, v in VoteRules().dump().items() if k != "cap"}
    for values in ({"status": "closed"}, {"rules": incomplete}):
        with db.write() as s, s.begin():
            s.execute(update(AgendaVote).where(AgendaVote.id == vote_id).values(**values))
        assert call(db, slack.team_id, vote_id, voter, topic, 2) == (False, False), values
        assert stored(db, vote_id) == {(voter, topic): 1}
        with db.write() as s, s.begin():
            s.execute(
                update(AgendaVote)
                .where(AgendaVote.id == vote_id)
                .values(status="open", rules=replace(VoteRules()).dump())
            )


def test_the_function_waits_for_a_click_in_flight_and_for_a_close(
    vote: tuple[int, dict[str, int], list[int]], db: Database, slack: FakeSlack
) -> None:
    """The function's locks, made visible: another transaction holding what a click in flight
    holds (the voter's membership, with a vote written but not committed) or what closing
    holds (the vote row, closed but not committed). The function must wait for it and then
    decide on what it committed; without its locks it would read around the transaction and
    overspend the budget, or count a vote on a closed vote."""
    vote_id, _, topic_ids = vote
    team, voter = slack.team_id, MEMBERS[0]
    first, second = topic_ids[:2]  # self-votes allowed below: either may be their own
    rules = VoteRules(budget=3, cap=2, self_vote=True)
    with db.write() as s, s.begin():
        s.execute(
            update(AgendaVote)
            .where(AgendaVote.id == vote_id)
            .values(rules=rules.dump(), rules_fixed=True)
        )

    def in_background(topic: int, n: int) -> tuple[threading.Thread, list[tuple[bool, bool]]]:
        out: list[tuple[bool, bool]] = []
        thread = threading.Thread(
            target=lambda: out.append(call(db, team, vote_id, voter, topic, n)), daemon=True
        )
        thread.start()
        return thread, out

    # A click in flight: the voter's membership locked, 2 votes on `first` not yet committed.
    with db.engine.connect() as other:
        with other.begin():
            other.execute(
                select(Membership.id).where(Membership.user_id == voter).with_for_update()
            )
            other.execute(
                VoteAllocation.__table__.insert().values(
                    team_id=team,
                    vote_id=vote_id,
                    voter_id=voter,
                    topic_id=first,
                    count=2,
                    updated_at=utcnow(),
                )
            )
            thread, out = in_background(second, 2)
            thread.join(0.5)
            assert thread.is_alive(), "the function did not wait for the voter's lock"
        thread.join(10)
    assert out == [(False, False)]  # 2 + 2 > 3: referred (the Python path words the refusal)
    assert stored(db, vote_id) == {(voter, first): 2}

    # A close in flight: the vote row locked and closed, not yet committed.
    with db.engine.connect() as other:
        with other.begin():
            other.execute(
                update(AgendaVote).where(AgendaVote.id == vote_id).values(status="closed")
            )
            thread, out = in_background(first, 1)
            thread.join(0.5)
            assert thread.is_alive(), "the function did not wait for the vote row"
        thread.join(10)
    assert out == [(False, False)]
    assert stored(db, vote_id) == {(voter, first): 2}
