"""Budgets and caps hold under concurrent clicks; the checker used here can see a race.

7 members click concurrently (threads behind a barrier), 50 clicks each, through signed
requests to the real app. Each member's clicks are sequential (Slack's client waits for the
ack, and the vote is committed before the ack), so a sequential replay of each member's clicks
under the pure voting rules gives the expected final counts exactly. A second phase sends each
member's clicks from several threads at once (double clicks, two devices): the answers then
depend on timing, but no budget or cap may ever be exceeded. The negative control runs a
check-then-write allocator (the check in one transaction, the write in another, as a handler
would do it) through the same invariant checker, and the checker must catch it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.agenda import VoteRules, allocation_problem
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import AgendaVote, Topic, VoteAllocation
from tests.conftest import MEMBERS, SET_CHANNEL
from tests.helpers import ballot, create_set, open_vote, settle, submit_topic
from tests.test_agenda import SESSION_1

EXTRA = ["U0EXTRA001", "U0EXTRA002"]
VOTERS = [*MEMBERS, *EXTRA]  # 7 members
RULES = VoteRules()
CLICKS = 50


def final_counts(db: Database) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = defaultdict(dict)
    with db.read() as s:
        for a in s.scalars(select(VoteAllocation)):
            if a.count:
                out[a.voter_id][a.topic_id] = a.count
    return dict(out)


def violations(
    counts: dict[str, dict[int, int]], own: dict[str, int], rules: VoteRules
) -> list[str]:
    found = []
    for voter, topics in counts.items():
        if sum(topics.values()) > rules.budget:
            found.append(f"{voter} has {sum(topics.values())} votes (budget {rules.budget})")
        for topic, n in topics.items():
            if n > rules.cap:
                found.append(f"{voter} gave {n} votes to topic {topic} (cap {rules.cap})")
            if own.get(voter) == topic and not rules.self_vote:
                found.append(f"{voter} voted for their own topic")
    return found


def replay(clicks: list[tuple[int, int]], own_topic: int | None) -> dict[int, int]:
    state: dict[int, int] = {}
    for topic, n in clicks:
        problem = allocation_problem(
            RULES,
            voter_is_author=topic == own_topic,
            current_total=sum(state.values()),
            current_on_topic=state.get(topic, 0),
            new_on_topic=n,
        )
        if problem is None:
            state[topic] = n
    return {t: n for t, n in state.items() if n}


def prepare(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> tuple[dict[str, int], list[int]]:
    for user in EXTRA:
        slack.add_user(user, user.lower())
    slack.add_to_channel(SET_CHANNEL, *EXTRA)
    create_set(driver, slack, members=VOTERS)
    for author in VOTERS[:4]:
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(SESSION_1)
    message = open_vote(driver, slack)
    for voter in VOTERS:
        ballot(driver, slack, voter, message)
    with db.read() as s:
        rows = s.scalars(select(Topic).where(Topic.status == "submitted")).all()
    return {t.author_id: t.id for t in rows}, [t.id for t in rows]


def plan(voter: str, topic_ids: list[int], own: int | None) -> list[tuple[int, int]]:
    rng = random.Random(voter)
    choices = [t for t in topic_ids if t != own]
    return [(rng.choice(choices), rng.randint(0, RULES.cap)) for _ in range(CLICKS)]


def run_threads(targets: list[threading.Thread]) -> None:
    for t in targets:
        t.start()
    for t in targets:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in targets)


def test_seven_members_fifty_clicks_each_equal_a_sequential_replay(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    own, topic_ids = prepare(driver, slack, db, clock)
    plans = {v: plan(v, topic_ids, own.get(v)) for v in VOTERS}
    barrier = threading.Barrier(len(VOTERS))
    statuses: list[int] = []

    def member(voter: str) -> None:
        view_id = slack.open_views(voter)[-1]["id"]
        barrier.wait()
        for topic, n in plans[voter]:
            statuses.append(
                driver.click(
                    voter, f"als_vote_topic_{topic}", view_id=view_id, selected=str(n)
                ).status
            )

    run_threads([threading.Thread(target=member, args=(v,)) for v in VOTERS])
    settle(slack, quiet=0.5, timeout=30)
    assert statuses == [200] * (len(VOTERS) * CLICKS)
    counts = final_counts(db)
    expected = {v: replay(plans[v], own.get(v)) for v in VOTERS}
    assert {v: counts.get(v, {}) for v in VOTERS} == expected
    assert violations(counts, own, RULES) == []
    # Nobody was shown an error; every answer went to the voter's own modal.
    assert [c for c in slack.calls if not c.response.get("ok", True)] == []
    assert not [c for c in slack.calls_to("response_url") if "went wrong" in str(c.args)]
    assert all(
        slack.view_owner(c.response["view"]["id"]) in VOTERS for c in slack.calls_to("views.update")
    )


def test_simultaneous_clicks_of_one_member_never_exceed_the_budget(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """Rounds: three devices of every member each put the cap (2 votes) on a different topic at
    the same moment, starting from no votes. With a budget of 3 exactly one may win."""
    own, topic_ids = prepare(driver, slack, db, clock)
    views = {v: slack.open_views(v)[-1]["id"] for v in VOTERS}
    picks = {v: [t for t in topic_ids if t != own.get(v)][:3] for v in VOTERS}

    def click(voter: str, topic: int, n: int) -> int:
        return driver.click(
            voter, f"als_vote_topic_{topic}", view_id=views[voter], selected=str(n)
        ).status

    # A first vote (taken back) freezes the rules: the race below runs on the steady path.
    assert click(VOTERS[0], picks[VOTERS[0]][0], 1) == 200
    assert click(VOTERS[0], picks[VOTERS[0]][0], 0) == 200
    statuses: list[int] = []
    for _ in range(6):
        barrier = threading.Barrier(len(VOTERS) * 3)

        def device(voter: str, topic: int, start: threading.Barrier) -> None:
            start.wait()
            statuses.append(click(voter, topic, RULES.cap))

        run_threads(
            [
                threading.Thread(target=device, args=(v, t, barrier))
                for v in VOTERS
                for t in picks[v]
            ]
        )
        counts = final_counts(db)
        assert violations(counts, own, RULES) == []
        assert {v: sum(c.values()) for v, c in counts.items()} == {v: RULES.cap for v in VOTERS}
        for voter, topics in counts.items():  # take the votes back for the next round
            for topic in topics:
                statuses.append(click(voter, topic, 0))
        assert final_counts(db) == {}
    resets = sum(RULES.cap for _ in VOTERS)  # one winning topic per voter per round
    assert statuses == [200] * (6 * (len(VOTERS) * 3 + resets // RULES.cap))
    settle(slack, quiet=0.3, timeout=30)
    assert [c for c in slack.calls if not c.response.get("ok", True)] == []


def racy_allocate(db: Database, vote_id: int, voter: str, topic: int, n: int) -> None:
    """The anti-pattern: check in one transaction, write in another."""
    with db.read() as s:
        mine = {
            a.topic_id: a.count
            for a in s.scalars(
                select(VoteAllocation).where(
                    VoteAllocation.vote_id == vote_id, VoteAllocation.voter_id == voter
                )
            )
        }
    ok = allocation_problem(
        RULES,
        voter_is_author=False,
        current_total=sum(mine.values()),
        current_on_topic=mine.get(topic, 0),
        new_on_topic=n,
    )
    time.sleep(0.01)  # the gap every handler-side check has
    if ok is None:
        with db.write() as s, s.begin():
            row = s.scalar(
                select(VoteAllocation).where(
                    VoteAllocation.vote_id == vote_id,
                    VoteAllocation.voter_id == voter,
                    VoteAllocation.topic_id == topic,
                )
            )
            if row is None:
                s.add(
                    VoteAllocation(
                        team_id="T", vote_id=vote_id, voter_id=voter, topic_id=topic, count=n
                    )
                )
            else:
                row.count = n


def hammer(allocate, topic_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Four devices of one voter each try to put the cap on a different topic at once."""
    barrier = threading.Barrier(4)

    def device(topic: int) -> None:
        barrier.wait()
        allocate(topic)

    run_threads([threading.Thread(target=device, args=(t,)) for t in topic_ids[:4]])


def test_negative_control_the_checker_catches_a_racy_allocator(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock, als: AlsBot
) -> None:
    own, topic_ids = prepare(driver, slack, db, clock)
    voter = EXTRA[1]  # has no topic of their own
    with db.read() as s:
        vote_id = s.scalars(select(AgendaVote.id)).one()
    # The racy allocator: the same checker sees the budget blown.
    hammer(lambda t: racy_allocate(db, vote_id, voter, t, RULES.cap), topic_ids)
    assert violations(final_counts(db), own, RULES) != []
    # The real one, through the same harness: no violation.
    with db.write() as s, s.begin():
        s.execute(VoteAllocation.__table__.delete())
    team = slack.team_id
    hammer(lambda t: als.deps.ballot.allocate(team, voter, vote_id, t, RULES.cap), topic_ids)
    counts = final_counts(db)
    assert violations(counts, own, RULES) == []
    assert sum(counts[voter].values()) == RULES.cap  # one cap-sized step fits a budget of 3
