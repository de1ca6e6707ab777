"""The Home tab publisher coalesces bursts: no ``views.publish`` storms, the last state wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import AlsBot
from bot.blocks.common import md, render
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.slack.client import make_client
from bot.slack.home import HomePublisher
from bot.storage.db import Database
from tests.conftest import MEMBERS, app_for
from tests.helpers import ballot, give_votes, settle
from tests.test_agenda import four_topics_and_a_vote, topic_ids

A, B = MEMBERS[0], MEMBERS[1]


def _wait(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_burst_of_requests_gives_few_publishes_and_the_latest_state(slack: FakeSlack) -> None:
    version = {A: 0, B: 0}
    lock = threading.Lock()

    def build(team_id: str, user_id: str) -> dict[str, Any]:
        with lock:
            n = version[user_id]
        return {"type": "home", "blocks": render([md(f"version {n}")])}

    publisher = HomePublisher(make_client(slack.bot_token, slack.api_url), build, min_interval=0.3)
    try:
        started = time.monotonic()
        for _ in range(50):  # e.g. a member clicking through a ballot
            with lock:
                version[A] += 1
            publisher.request(slack.team_id, A)
        publisher.request(slack.team_id, B)
        _wait(publisher.idle)
        time.sleep(0.4)
        _wait(publisher.idle)
        elapsed = time.monotonic() - started
        calls = slack.calls_to("views.publish")
        to_a = [c for c in calls if c.args.get("user_id") == A]
        # One publish for the first request, at most one more per interval after it.
        assert 1 <= len(to_a) <= 1 + int(elapsed / 0.3) + 1 < 50
        assert len([c for c in calls if c.args.get("user_id") == B]) == 1
        assert "version 50" in str(slack.home_view(A))  # the last request wins
    finally:
        publisher.stop()


def test_a_failed_publish_does_not_stop_the_publisher(slack: FakeSlack) -> None:
    publisher = HomePublisher(
        make_client(slack.bot_token, slack.api_url),
        lambda team, user: {"type": "home", "blocks": render([md(f"hello {user}")])},
        min_interval=0.0,
    )
    try:
        slack.inject_error("views.publish", "internal_error")
        publisher.request(slack.team_id, A)
        _wait(lambda: len(slack.calls_to("views.publish")) == 1 and publisher.idle())
        assert slack.home_view(A) is None
        publisher.request(slack.team_id, A)
        _wait(lambda: slack.home_view(A) is not None)
    finally:
        publisher.stop()
    publisher.request(slack.team_id, B)  # after stop: ignored, nothing raised
    time.sleep(0.1)
    assert slack.home_view(B) is None


def test_settling_requests_publish_once_after_the_burst(slack: FakeSlack) -> None:
    """A voter clicking through their ballot: no publish while the clicks go on (each click
    pushes it back), one after they stop, with the last state; ordinary requests are not
    delayed by it."""
    version = {A: 0, B: 0}

    def build(team_id: str, user_id: str) -> dict[str, Any]:
        return {"type": "home", "blocks": render([md(f"version {version[user_id]}")])}

    publisher = HomePublisher(
        make_client(slack.bot_token, slack.api_url), build, min_interval=0.0, settle=0.6
    )
    try:
        for _ in range(10):  # 10 clicks, 0.1 s apart: 1 s of clicking
            version[A] += 1
            publisher.request(slack.team_id, A, settle=True)
            time.sleep(0.1)
        # Each click pushed A's publish back without waking the thread (it wakes when the first
        # was due); B's request, due now, woke it.
        assert publisher.wakeups == 0
        publisher.request(slack.team_id, B)  # not settling: at once
        assert publisher.wakeups == 1
        _wait(lambda: slack.home_view(B) is not None, timeout=0.5)
        last_click = time.monotonic()
        assert [c for c in slack.calls_to("views.publish") if c.args["user_id"] == A] == []
        _wait(lambda: slack.home_view(A) is not None)
        assert time.monotonic() - last_click >= 0.3  # 0.6 s after the last click, give or take
        assert "version 10" in str(slack.home_view(A))
        time.sleep(0.7)
        assert len([c for c in slack.calls_to("views.publish") if c.args["user_id"] == A]) == 1
    finally:
        publisher.stop()


@pytest.fixture
def als(db: Database, slack: FakeSlack, clock: ManualClock) -> Iterator[AlsBot]:
    """The app, with Home tabs settling after ballot clicks for 2 s (long enough to tell)."""
    yield from app_for(db, slack, clock, home_settle=2.0)


def test_a_voter_clicking_through_the_ballot_gets_one_home_publish_after_the_last_click(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    voter = MEMBERS[4]  # no topic of their own
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = list(topic_ids(db).values())
    ballot(driver, slack, voter, message)
    settle(slack, quiet=0.3)
    before = len([c for c in slack.calls_to("views.publish") if c.args["user_id"] == voter])
    for count in (1, 2, 0, 1, 2):
        give_votes(driver, slack, voter, ids[0], count)
    give_votes(driver, slack, voter, ids[1], 1)
    publishes = [c for c in slack.calls_to("views.publish") if c.args["user_id"] == voter]
    assert len(publishes) == before  # nothing yet: the voter is still clicking
    slack.wait_for(
        "views.publish", lambda c: c.args["user_id"] == voter, count=before + 1, timeout=10
    )
    time.sleep(0.5)
    publishes = [c for c in slack.calls_to("views.publish") if c.args["user_id"] == voter]
    assert len(publishes) == before + 1
    assert "3 of your 3 votes (0 left)" in str(slack.home_view(voter))
