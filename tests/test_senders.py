"""A scheduler pass sends with several threads (``ALS_SCHEDULER_SENDERS``): each sends for a
workspace no other thread is sending for, so one workspace's slow Slack call does not hold up
another's reminders, and a workspace's own reminders still go one at a time.

Two installed workspaces (the distributed app of ``tests/test_install.py``), each with a set
whose topic prompt is due to three members. Workspace A's first post is held inside the fake
Slack (in flight, unanswered); workspace B's prompts must all arrive meanwhile, and none of A's
other reminders may be claimed while its first is in flight (they come before B's in the claim
order, so a thread that ignored A's send in flight would take one of them)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.scheduler.sender import ReminderSender
from bot.scheduler.tick import TickSummary
from bot.slack.client import scheduler_client
from bot.slack.pacing import Pacer
from bot.storage.db import Database
from bot.storage.models import Reminder, SendLease
from tests.helpers import create_set, eventually
from tests.test_install import (
    LA,
    NY,
    PROMPT,
    PROMPT_AT,
    SYDNEY,
    TEAM_A,
    TEAM_B,
    Cloud,
    both_with_a_set,
    cloud,
    dms,
    prompts,
)

__all__ = ["cloud"]  # the fixture, used by name

AWAKE = {NY, SYDNEY, LA}


def by_status(db: Database, team: str) -> dict[str, int]:
    """The workspace's topic prompts of this pass (due, or taken by it), by status."""
    with db.read() as s:
        rows = s.execute(
            select(Reminder.status, func.count())
            .where(
                Reminder.team_id == team,
                Reminder.kind == "prep_prompt",
                (Reminder.send_after <= PROMPT_AT) | (Reminder.status != "pending"),
            )
            .group_by(Reminder.status)
        ).all()
    return {str(status): int(n) for status, n in rows}


@pytest.fixture
def pass_in_background(
    cloud: Cloud, clock: ManualClock
) -> Iterator[Callable[[int], dict[str, TickSummary]]]:
    threads: list[threading.Thread] = []

    def start(senders: int) -> dict[str, TickSummary]:
        clock.set(PROMPT_AT)
        ticker = cloud.ticker(clock, senders)
        done: dict[str, TickSummary] = {}
        thread = threading.Thread(
            target=lambda: done.setdefault("tick", ticker.tick(PROMPT_AT, budget_seconds=20)),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
        return done

    yield start
    for thread in threads:
        thread.join(timeout=30)


def test_one_workspaces_call_in_flight_holds_up_neither_the_other_nor_its_own_order(
    cloud: Cloud,
    db: Database,
    pass_in_background: Callable[[int], dict[str, TickSummary]],
) -> None:
    both_with_a_set(cloud)
    a, b = cloud.a, cloud.b
    held = a.hold("chat.postMessage")  # A's first post stays in flight
    done = pass_in_background(3)

    held.wait_arrived()
    eventually(
        lambda: by_status(db, TEAM_B) == {"sent": 3},
        "workspace B's prompts while A's is held",
        timeout=10,
    )
    assert prompts(b) == AWAKE
    # Three threads, and A had two more prompts due before B's: none was claimed while A's
    # first was in flight (a workspace's sends go one at a time, paced, in order).
    assert by_status(db, TEAM_A) == {"claimed": 1, "pending": 2}
    assert prompts(a) == set() and held.pending == 1

    held.release()
    eventually(lambda: "tick" in done, "the pass to end", timeout=10)
    assert prompts(a) == AWAKE
    assert by_status(db, TEAM_A)["sent"] == by_status(db, TEAM_B)["sent"] == 3
    for fake in (a, b):
        for user in AWAKE:
            assert len(dms(fake, user)) == 1, "each prompt sent once"
    assert done["tick"].sent.sent == 6, "every thread's sends are counted"


def test_one_sender_waits_for_the_call_in_flight(
    cloud: Cloud,
    db: Database,
    pass_in_background: Callable[[int], dict[str, TickSummary]],
) -> None:
    """The same pass with one sender: B's prompts wait behind A's held post (what the threads
    are for)."""
    both_with_a_set(cloud)
    a, b = cloud.a, cloud.b
    held = a.hold("chat.postMessage")
    done = pass_in_background(1)

    held.wait_arrived()
    assert by_status(db, TEAM_B) == {"pending": 3}, "nothing of B's was claimed"
    assert prompts(b) == set()
    held.release()
    eventually(lambda: "tick" in done, "the pass to end", timeout=10)
    assert prompts(a) == prompts(b) == AWAKE
    assert all(PROMPT in m for m in dms(b, NY))


class Ticks:
    """The pacer's monotonic clock: each reading is half a second after the one before, so a
    workspace can be paced when the claim looks and have its token again when the sender
    looks how long to wait."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def test_a_workspace_paced_at_the_claim_and_free_just_after_is_claimed_again_at_once(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, clock: ManualClock
) -> None:
    """The sender waits only as long as the pacer says; a workspace whose token came back
    between the claim and that look is claimed again at once (it had slept out the pass)."""
    create_set(driver, slack, cadence="1")
    clock.set(PROMPT_AT)
    als.ticker.reminders.plan(PROMPT_AT)
    sleeps: list[float] = []
    sender = ReminderSender(
        als.ticker.reminders,
        scheduler_client(slack.bot_token, slack.api_url),
        # one post a second: after each post, the next claim finds the workspace paced
        pacer=Pacer(per_minute=60, burst=1, channel_interval=0, monotonic=Ticks()),
        sleep=sleeps.append,
        senders=1,
    )
    summary = sender.run(PROMPT_AT, budget_seconds=30)
    assert summary.sent == 3 and summary_prompts(slack) == AWAKE
    assert max(sleeps, default=0.0) <= 1.0, sleeps


def summary_prompts(slack: FakeSlack) -> set[str]:
    return {u for u in AWAKE if any(PROMPT in m.text for m in slack.dm_messages(u))}


def test_stopping_mid_pass_records_every_send_in_flight_and_claims_no_more(
    cloud: Cloud, db: Database, clock: ManualClock
) -> None:
    """SIGTERM (``Ticker.stop``, as ``on_sigterm`` calls it) while two workspaces each have a
    post in flight: both are answered and recorded, nothing more is claimed, and the leases
    are given back (another process may send the rest at once)."""
    both_with_a_set(cloud)
    a, b = cloud.a, cloud.b
    held_a, held_b = a.hold("chat.postMessage"), b.hold("chat.postMessage")
    clock.set(PROMPT_AT)
    ticker = cloud.ticker(clock, 3)
    done: dict[str, TickSummary] = {}
    thread = threading.Thread(
        target=lambda: done.setdefault("tick", ticker.tick(PROMPT_AT, budget_seconds=20)),
        daemon=True,
    )
    thread.start()
    held_a.wait_arrived()
    held_b.wait_arrived()
    ticker.stop()
    held_a.release()
    held_b.release()
    thread.join(timeout=30)
    assert done["tick"].sent.sent == 2
    for team in (TEAM_A, TEAM_B):
        assert by_status(db, team) == {"sent": 1, "pending": 2}
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SendLease)) == 0, "leases given back"
    # Another process sends the rest, each once.
    cloud.ticker(clock).tick(PROMPT_AT, budget_seconds=20)
    assert prompts(a) == prompts(b) == AWAKE
    for fake in (a, b):
        assert all(len(dms(fake, user)) == 1 for user in AWAKE)
