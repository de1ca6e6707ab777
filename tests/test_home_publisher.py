"""The Home tab publisher coalesces bursts: no ``views.publish`` storms, the last state wins."""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.app import make_client
from bot.blocks.common import md, render
from bot.fakeslack.server import FakeSlack
from bot.slack.home import HomePublisher
from tests.conftest import MEMBERS

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
