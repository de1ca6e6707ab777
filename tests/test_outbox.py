"""Messages after an ack are as reliable as reminders: the set-up's notes (the channel's welcome,
each member's request to agree to the ground rules, the facilitator's confirmation) are written
with the set and delivered after the ack; a 429, a 500 or a lost answer on any one of them
delays that one only, and a scheduler pass delivers it, once. A process that dies right after
the ack loses nothing: the next process's pass delivers what it had not sent."""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from wsgiref.simple_server import make_server

import pytest
from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain import delivery as dv
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.handlers import guard
from bot.storage.db import Database
from bot.storage.models import OutboxNote
from tests.conftest import FAC, MEMBERS, SET_CHANNEL, SIGNING_SECRET, _ThreadingWSGIServer, app_for
from tests.helpers import create_set, settle, submit_topic, texts
from tests.test_reminders import scheduler_process

EVERYONE = [FAC, *MEMBERS]
AGREE = "als_agree_rules"

Matcher = Callable[[dict[str, Any]], bool]


def _to(channel: str) -> Matcher:
    return lambda args: args.get("channel") == channel


#: Each send of the set-up flow: the method and which call it is.
SENDS: dict[str, tuple[str, Matcher | None]] = {
    "welcome": ("chat.postMessage", _to(SET_CHANNEL)),
    "a member's rules": ("chat.postMessage", _to(MEMBERS[2])),
    "the facilitator's rules": ("chat.postMessage", _to(FAC)),
    "confirmation": ("chat.postEphemeral", None),
}


def delivered(slack: FakeSlack) -> dict[str, int]:
    """How many of each set-up message Slack holds."""
    counts: Counter[str] = Counter()
    counts["welcome"] = sum("Welcome to" in m.text for m in slack.messages(SET_CHANNEL))
    for person in EVERYONE:
        counts[f"rules {person}"] = sum(AGREE in texts(m.blocks) for m in slack.dm_messages(person))
    counts["confirmation"] = sum(
        "is set up in this channel" in texts(m.blocks) for m in slack.ephemerals(SET_CHANNEL, FAC)
    )
    return dict(counts)


ALL_ONCE = {"welcome": 1, "confirmation": 1, **{f"rules {p}": 1 for p in EVERYONE}}


def missing(slack: FakeSlack) -> set[str]:
    return {name for name, n in delivered(slack).items() if n == 0}


def failing(
    slack: FakeSlack, failure: str, method: str, when: Matcher | None, *, retry_after: int = 20
) -> Any:
    """Make Slack fail the next matching call: a 429, a 500, or a lost answer (the request
    reaches Slack, which never answers it and never acts on it). Returns the held call to drop
    once it has arrived (``lost``), or None."""
    if failure == "429":
        slack.inject_http(method, 429, retry_after=retry_after, when=when)
    elif failure == "500":
        slack.inject_http(method, 500, when=when)
    else:
        return slack.hold(method, when=when)
    return None


def lost(hold: Any) -> None:
    """The held call arrived: its connection is closed without an answer."""
    if hold is not None:
        hold.wait_arrived()
        hold.drop()


def notes(db: Database) -> list[OutboxNote]:
    with db.read() as s:
        return list(s.scalars(select(OutboxNote).order_by(OutboxNote.id)))


@pytest.mark.parametrize("failure", ["429", "500", "lost answer"])
@pytest.mark.parametrize("send", list(SENDS))
def test_a_failed_send_of_the_setup_is_delivered_once_by_a_pass(
    send: str,
    failure: str,
    als: AlsBot,
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
) -> None:
    method, when = SENDS[send]
    hold = failing(slack, failure, method, when)
    create_set(driver, slack, wait=False)
    lost(hold)
    settle(slack)

    # The failed send is missing; after a 500 or a lost answer every other one arrived (each
    # stands alone); after a 429 the workspace's later notes wait too, as Slack asked.
    gap = {
        "welcome": "welcome",
        "a member's rules": f"rules {MEMBERS[2]}",
        "the facilitator's rules": f"rules {FAC}",
        "confirmation": "confirmation",
    }[send]
    waiting = [n for n in notes(db) if n.status != dv.State.SENT]
    assert all(n.status == dv.State.PENDING for n in waiting)
    assert waiting[0].reason  # why: an error code or the exception's type, never text
    if failure == "429":
        assert gap in missing(slack)
        assert all(n.reason == "rate limited" for n in waiting[1:])
    else:
        assert missing(slack) == {gap} and len(waiting) == 1
    expected_gap = missing(slack)

    # A pass before the retry is due sends nothing; once it is due, the note arrives, once.
    ticker = scheduler_process(als, db, slack, clock)
    ticker.tick(clock(), budget_seconds=5)
    assert missing(slack) == expected_gap
    clock.advance(timedelta(minutes=1))
    summary = ticker.tick(clock(), budget_seconds=5)
    assert summary.notes.sent == len(waiting)
    assert delivered(slack) == ALL_ONCE
    assert all(n.status == dv.State.SENT for n in notes(db))
    clock.advance(timedelta(hours=1))
    ticker.tick(clock(), budget_seconds=5)
    assert delivered(slack) == ALL_ONCE


def test_a_429_holds_back_the_workspaces_other_notes_until_retry_after(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    slack.inject_http("chat.postMessage", 429, retry_after=30, when=_to(SET_CHANNEL))
    create_set(driver, slack, wait=False)
    settle(slack)
    # Slack asked to wait: nothing more was tried for this workspace after the 429.
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert all(v == 0 for v in delivered(slack).values())
    ticker = scheduler_process(als, db, slack, clock)
    clock.advance(timedelta(seconds=20))
    ticker.tick(clock(), budget_seconds=5)
    assert all(v == 0 for v in delivered(slack).values())
    clock.advance(timedelta(seconds=11))
    ticker.tick(clock(), budget_seconds=5)
    assert delivered(slack) == ALL_ONCE


def test_the_process_dying_right_after_the_ack_loses_nothing(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock, als: AlsBot
) -> None:
    # The first send after the ack never returns: the process is stuck there (as good as
    # dead) with every other note unsent.
    stuck = slack.hold("chat.postMessage", when=_to(SET_CHANNEL))
    create_set(driver, slack, wait=False)
    stuck.wait_arrived()
    assert delivered(slack) == dict.fromkeys(ALL_ONCE, 0)

    # Another process (restarted) runs its scheduler passes on the same database.
    for restarted in app_for(db, slack, clock):
        ticker = scheduler_process(restarted, db, slack, clock, worker="restarted")
        ticker.tick(clock(), budget_seconds=5)
        # The stuck note's lease has not run out: everything else arrived.
        assert missing(slack) == {"welcome"}
        clock.advance(timedelta(minutes=3))
        ticker.tick(clock(), budget_seconds=5)
        assert delivered(slack) == ALL_ONCE

    # The stuck process's call fails at last: it records nothing over the other process's
    # outcome and sends nothing more.
    stuck.drop()
    settle(slack)
    assert delivered(slack) == ALL_ONCE
    assert all(n.status == dv.State.SENT for n in notes(db))


def test_a_member_who_cannot_be_reached_is_reported_to_the_facilitator_once(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock, als: AlsBot
) -> None:
    slack.inject_error("chat.postMessage", "user_not_found", when=_to(MEMBERS[1]))
    create_set(driver, slack)
    settle(slack)
    told = [m for m in slack.dm_messages(FAC) if "could not send" in m.text]
    assert len(told) == 1 and f"<@{MEMBERS[1]}>" in told[0].text
    assert delivered(slack) == {**ALL_ONCE, f"rules {MEMBERS[1]}": 0}
    failed = [n for n in notes(db) if n.status == dv.State.FAILED]
    assert [(n.target, n.reason) for n in failed] == [(MEMBERS[1], "user_not_found")]
    # Nothing is retried for good: a later pass sends nothing more.
    ticker = scheduler_process(als, db, slack, clock)
    clock.advance(timedelta(hours=2))
    ticker.tick(clock(), budget_seconds=5)
    assert len([m for m in slack.dm_messages(FAC) if "could not send" in m.text]) == 1


def test_work_after_the_ack_waits_for_the_answer_to_be_written(
    als: AlsBot, slack: FakeSlack
) -> None:
    """A listener's sends after its ack start once the server has written the answer (the WSGI
    body's ``close()``), not while the request's thread is still sending it: here the server
    takes 0.3 s to finish, and the set-up's first send comes after that."""
    closed: list[float] = []

    class SlowClose:
        def __init__(self, body: Any) -> None:
            self.body = body

        def __iter__(self) -> Any:
            return iter(self.body)

        def close(self) -> None:
            time.sleep(0.3)  # the server still busy with this answer
            closed.append(time.time())
            self.body.close()

    inner = als.wsgi()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return SlowClose(inner(environ, start_response))

    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        create_set(SlackDriver(url, SIGNING_SECRET, slack), slack)
    finally:
        server.shutdown()
        server.server_close()
    setup_answer = closed[-1]  # the submission's answer (the last request)
    first_send = min(c.timestamp for c in slack.calls_to("chat.postMessage"))
    assert first_send >= setup_answer


def test_the_setups_announcement_is_one_row_until_a_delivery_fans_it_out(
    als: AlsBot, slack: FakeSlack, db: Database, clock: ManualClock, monkeypatch: Any
) -> None:
    """On the ack path the set-up writes one note that stands for all its messages. The first
    delivery to claim it (here another process's scheduler pass, while the listener still
    waits for its answer to be written) replaces it by them, once: the listener's own delivery
    then finds nothing left to send."""
    monkeypatch.setattr(guard, "SENT_WAIT_SECONDS", 30.0)
    release = threading.Event()

    class HeldClose:
        def __init__(self, body: Any) -> None:
            self.body = body

        def __iter__(self) -> Any:
            return iter(self.body)

        def close(self) -> None:
            release.wait(30)
            self.body.close()

    inner = als.wsgi()

    def hold_answers(environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer = inner(environ, start_response)
        return HeldClose(answer) if b"view_submission" in body else answer

    server = make_server("127.0.0.1", 0, hold_answers, server_class=_ThreadingWSGIServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        create_set(SlackDriver(url, SIGNING_SECRET, slack), slack, wait=False)
        # The ack came back; the listener waits for its answer to be written.
        assert [(n.kind, n.status) for n in notes(db)] == [("setup", dv.State.PENDING)]
        assert delivered(slack) == dict.fromkeys(ALL_ONCE, 0)

        for restarted in app_for(db, slack, clock):
            ticker = scheduler_process(restarted, db, slack, clock, worker="restarted")
            summary = ticker.tick(clock(), budget_seconds=5)
        assert summary.notes.sent == len(ALL_ONCE)
        assert delivered(slack) == ALL_ONCE
        assert "setup" not in {n.kind for n in notes(db)}

        release.set()  # the listener goes on: nothing is sent twice
        settle(slack)
        assert delivered(slack) == ALL_ONCE
        assert all(n.status == dv.State.SENT for n in notes(db))
    finally:
        release.set()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("failure", ["429", "500"])
def test_a_send_that_stands_alone_is_retried_once_by_the_client(
    failure: str, driver: SlackDriver, slack: FakeSlack
) -> None:
    """Sends outside the outbox (here a topic's private confirmation) get slack_sdk's retry for
    the simple cases: a 5xx, and a 429 whose Retry-After is short."""
    create_set(driver, slack)
    author = MEMBERS[0]
    if failure == "429":
        slack.inject_http("chat.postMessage", 429, retry_after=1, when=_to(author))
    else:
        slack.inject_http("chat.postMessage", 500, when=_to(author))
    submit_topic(driver, slack, author, "RETRIED-TOPIC")
    slack.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("channel") == author and bool(c.response.get("ok")),
        timeout=10,
    )
    statuses = [c.status for c in slack.calls_to("chat.postMessage") if c.args["channel"] == author]
    assert statuses[-2:] == [int(failure), 200]
    assert sum("RETRIED-TOPIC" in texts(m.blocks) for m in slack.dm_messages(author)) == 1
