"""Messages kept in place go through the outbox too: the vote message (and the agenda it becomes)
and the report-back round are marked as owing their latest state in the transaction of each
change, and delivered after the ack or by a scheduler pass. A 429, a 500 or a lost answer on any
send of the vote-close flow delays that send only; one note of a message is in flight at a time,
so two updates never arrive out of order and the last state always wins."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain import delivery as dv
from bot.domain.outbox import Note
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import AgendaVote, OutboxNote
from tests.conftest import FAC, MEMBERS, SET_CHANNEL, app_for
from tests.helpers import (
    ballot,
    create_set,
    field_errors,
    give_votes,
    settle,
    submit_topic,
    texts,
)
from tests.test_actions import commit_values, confirmed_agenda, open_commit
from tests.test_agenda import SESSION_1, four_topics_and_a_vote, topic_ids
from tests.test_outbox import failing, lost
from tests.test_reminders import scheduler_process

EVERYONE = [FAC, *MEMBERS]
E = MEMBERS[3]  # a member whose Home tab is refused once
AGENDA = "als_agenda_confirm"  # the drafted agenda's button: the vote message became the agenda


def vote_notes(db: Database) -> list[OutboxNote]:
    with db.read() as s:
        return list(
            s.scalars(
                select(OutboxNote).where(OutboxNote.kind == Note.VOTE).order_by(OutboxNote.id)
            )
        )


def shown(slack: FakeSlack, ts: str) -> str:
    message = slack.message(SET_CHANNEL, ts)
    assert message is not None
    return texts(message.blocks)


def updates(slack: FakeSlack) -> list[str]:
    """What each update of a channel message Slack accepted said, in order."""
    return [
        texts(c.args.get("blocks"))
        for c in slack.calls_to("chat.update")
        if c.status == 200 and c.response.get("ok")
    ]


def ok_publishes(slack: FakeSlack, before: int, user: str) -> int:
    """How many of ``user``'s Home tab publishes Slack accepted among the first ``before``."""
    return sum(
        1
        for c in slack.calls_to("views.publish")[:before]
        if c.args["user_id"] == user and c.response.get("ok")
    )


def every_home_published(slack: FakeSlack, before: int) -> None:
    """Every member's Home tab is published (again) after the first ``before`` publishes
    (the publisher works through them one after the other)."""
    for user in EVERYONE:
        slack.wait_for(
            "views.publish",
            lambda c, u=user: c.args["user_id"] == u and bool(c.response.get("ok")),
            count=1 + ok_publishes(slack, before, user),
            timeout=10,
        )


def _user(user: str) -> Any:
    return lambda args: args.get("user_id") == user


@pytest.mark.parametrize("failure", ["429", "500", "lost answer"])
@pytest.mark.parametrize("send", ["the vote message", "a member's Home"])
def test_a_failed_send_of_the_vote_close_is_delivered_once(
    send: str,
    failure: str,
    als: AlsBot,
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    settle(slack)
    homes = len(slack.calls_to("views.publish"))
    method, when = (
        ("chat.update", None) if send == "the vote message" else ("views.publish", _user(E))
    )
    hold = failing(slack, failure, method, when, retry_after=1)

    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    lost(hold)
    settle(slack)

    if send == "the vote message":
        # The message still shows the vote; every member's Home tab shows the change.
        assert AGENDA not in shown(slack, message.ts)
        (note,) = [n for n in vote_notes(db) if n.status != dv.State.SENT]
        assert note.status == dv.State.PENDING and note.reason
        every_home_published(slack, homes)
        # A pass before the retry is due sends nothing; a pass after it draws the agenda, once.
        ticker = scheduler_process(als, db, slack, clock)
        ticker.tick(clock(), budget_seconds=5)
        assert AGENDA not in shown(slack, message.ts)
        clock.advance(timedelta(minutes=1))
        ticker.tick(clock(), budget_seconds=5)
        assert AGENDA in shown(slack, message.ts)
        assert len(updates(slack)) == 1
        clock.advance(timedelta(hours=1))
        ticker.tick(clock(), budget_seconds=5)
        assert len(updates(slack)) == 1
        assert all(n.status == dv.State.SENT for n in vote_notes(db))
    else:
        # The vote message became the agenda; the member's Home tab arrives after the failure
        # (Retry-After, or a short backoff), published by the same process.
        assert AGENDA in shown(slack, message.ts) and len(updates(slack)) == 1
        every_home_published(slack, homes)
    # The vote's message is the one posted when it opened: no second vote or agenda message.
    assert len([m for m in slack.messages(SET_CHANNEL) if AGENDA in texts(m.blocks)]) == 1


def two_updates_in_flight(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> tuple[Any, Any]:
    """A first vote changes the turnout: that update of the vote message is on its way to Slack
    (held) when the facilitator closes the vote (a second update). Returns the message and
    the held call."""
    message = four_topics_and_a_vote(driver, slack, clock)
    settle(slack)
    view = ballot(driver, slack, E, message)
    slow = slack.hold("chat.update")
    topic = topic_ids(db)[MEMBERS[0]]
    driver.click(E, f"als_vote_topic_{topic}", view_id=view["id"], selected="1")
    slow.wait_arrived()
    # (No settling while a call is held: the sender's client would give up on it.)
    assert driver.command(FAC, "agenda close", channel_id=SET_CHANNEL).status == 200
    # The close's note is written (after the command's ack) and waits: one note of a message in
    # flight at a time.
    deadline = time.monotonic() + 5
    while len(vote_notes(db)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [n.status for n in vote_notes(db)] == [dv.State.SENT, dv.State.CLAIMED, dv.State.PENDING]
    assert not slack.calls_to("chat.update")  # nothing but the held call has reached Slack
    return message, slow


def test_two_updates_in_flight_the_last_state_wins(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """The close's note never overtakes the turnout's: it is sent once that one is answered,
    and draws the latest state."""
    message, slow = two_updates_in_flight(driver, slack, db, clock)
    slow.release()
    slack.wait_for("chat.update", count=2, timeout=10)
    settle(slack)
    first, last = updates(slack)
    assert "1 of" in first and AGENDA not in first
    assert AGENDA in last and AGENDA in shown(slack, message.ts)
    assert all(n.status == dv.State.SENT for n in vote_notes(db))


def test_an_update_failing_in_flight_gives_way_to_the_latest_state(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """The turnout's update is lost after the close's note was written: its retry stands for
    both and draws the agenda; nothing is sent twice."""
    message, slow = two_updates_in_flight(driver, slack, db, clock)
    slow.drop()
    settle(slack)
    statuses = [(n.status, n.reason) for n in vote_notes(db)][-2:]
    assert statuses[0][0] == dv.State.PENDING
    assert statuses[1] == (dv.State.SKIPPED, "coalesced")
    ticker = scheduler_process(als, db, slack, clock)
    clock.advance(timedelta(minutes=1))
    ticker.tick(clock(), budget_seconds=5)
    assert [AGENDA in u for u in updates(slack)] == [True]
    assert AGENDA in shown(slack, message.ts)
    assert all(n.status in (dv.State.SENT, dv.State.SKIPPED) for n in vote_notes(db))


def test_a_vote_opened_by_a_process_that_died_is_posted_once_by_the_next(
    slack: FakeSlack, db: Database, clock: ManualClock, driver: SlackDriver
) -> None:
    """The vote opens; the process is stuck on posting its message (as good as dead). Another
    process's passes post it once, and attach it: the next change updates that message."""
    create_set(driver, slack)
    for author in MEMBERS[:4]:
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(SESSION_1)
    stuck = slack.hold("chat.postMessage", when=lambda a: a.get("channel") == SET_CHANNEL)
    assert driver.command(FAC, "agenda", channel_id=SET_CHANNEL).status == 200
    stuck.wait_arrived()
    for restarted in app_for(db, slack, clock):
        ticker = scheduler_process(restarted, db, slack, clock, worker="restarted")
        clock.advance(timedelta(minutes=3))
        ticker.tick(clock(), budget_seconds=5)
    stuck.drop()
    settle(slack)
    votes = [m for m in slack.messages(SET_CHANNEL) if "have voted" in texts(m.blocks)]
    assert len(votes) == 1
    with db.read() as s:
        assert s.scalar(select(AgendaVote.message_ts)) == votes[0].ts
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=votes[0].ts)
    settle(slack)
    assert AGENDA in shown(slack, votes[0].ts)


def test_every_voters_first_vote_shows_in_the_turnout(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """The first vote fixes the vote's rules; later voters' clicks are decided in one statement
    on PostgreSQL (``als_vote_allocate``), which writes the message's note too."""
    message = four_topics_and_a_vote(driver, slack, clock)
    settle(slack)
    ids = topic_ids(db)
    for n, voter in enumerate((MEMBERS[3], MEMBERS[4], MEMBERS[0]), start=1):
        ballot(driver, slack, voter, message)
        give_votes(driver, slack, voter, ids[MEMBERS[1]], 1)
        assert f"{n} of 5 members have voted" in shown(slack, message.ts)
    give_votes(driver, slack, MEMBERS[0], ids[MEMBERS[1]], 2)  # the turnout is the same
    assert len(vote_notes(db)) == 4  # the opening, then one per voter's first vote
    assert all(n.status == dv.State.SENT for n in vote_notes(db))


# -- a commitment: the presenter's confirmation and its line in the agenda's thread ---------
COMMIT_SENDS = {
    "the confirmation": lambda args: args.get("channel") == MEMBERS[0],
    "the line": lambda args: args.get("channel") == SET_CHANNEL and bool(args.get("thread_ts")),
}


def commitment_messages(slack: FakeSlack, agenda_ts: str) -> tuple[list[str], list[str]]:
    """The presenter's confirmations, and the lines in the agenda message's thread."""
    confirmations = [
        texts(m.blocks)
        for m in slack.dm_messages(MEMBERS[0])
        if "Talk to both leads" in m.text or "Talk to both leads" in texts(m.blocks)
    ]
    lines = [
        texts(m.blocks)
        for m in slack.messages(SET_CHANNEL)
        if m.thread_ts == agenda_ts and m.ts != agenda_ts
    ]
    return confirmations, lines


@pytest.mark.parametrize("failure", ["429", "500", "lost answer"])
@pytest.mark.parametrize("send", list(COMMIT_SENDS))
def test_a_failed_send_of_a_commitment_is_delivered_once(
    send: str,
    failure: str,
    als: AlsBot,
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
) -> None:
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    when = COMMIT_SENDS[send]
    hold = failing(slack, failure, "chat.postMessage", when)
    open_commit(driver, slack, MEMBERS[0], agenda, ids[MEMBERS[0]])
    response = driver.submit_view(MEMBERS[0], values=commit_values([("Talk to both leads", None)]))
    assert response.status == 200 and not field_errors(response)
    lost(hold)
    settle(slack)
    confirmations, lines = commitment_messages(slack, agenda.ts)
    if send == "the confirmation":
        assert confirmations == [] and (lines == [] if failure == "429" else len(lines) == 1)
    else:
        assert lines == [] and len(confirmations) == 1
    ticker = scheduler_process(als, db, slack, clock)
    clock.advance(timedelta(minutes=1))
    ticker.tick(clock(), budget_seconds=5)
    confirmations, lines = commitment_messages(slack, agenda.ts)
    assert len(confirmations) == 1 and len(lines) == 1
    assert "committed to 1 action" in lines[0] and "Talk to both leads" in lines[0]
    clock.advance(timedelta(hours=1))
    ticker.tick(clock(), budget_seconds=5)
    assert commitment_messages(slack, agenda.ts) == (confirmations, lines)


def test_a_line_whose_first_post_failed_shows_the_latest_commitment(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """The line's post fails; the presenter edits their commitment before the retry: one line
    is posted, with the edited actions (one note waited for both changes)."""
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    slack.inject_http("chat.postMessage", 500, when=COMMIT_SENDS["the line"])
    open_commit(driver, slack, MEMBERS[0], agenda, ids[MEMBERS[0]])
    driver.submit_view(MEMBERS[0], values=commit_values([("Talk to both leads", None)]))
    settle(slack)
    open_commit(driver, slack, MEMBERS[0], agenda, ids[MEMBERS[0]])
    driver.submit_view(
        MEMBERS[0], values=commit_values([("Talk to both leads", None), ("Ask HR", None)])
    )
    settle(slack)
    ticker = scheduler_process(als, db, slack, clock)
    clock.advance(timedelta(minutes=1))
    ticker.tick(clock(), budget_seconds=5)
    _, lines = commitment_messages(slack, agenda.ts)
    assert len(lines) == 1 and "committed to 2 actions" in lines[0] and "Ask HR" in lines[0]
    # Posted once, with the latest state (the only updates are the agenda message's).
    assert {c.args["ts"] for c in slack.calls_to("chat.update")} <= {agenda.ts}
