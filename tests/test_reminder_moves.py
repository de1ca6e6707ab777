"""A session moved or cancelled after (or while) its reminders went out: through the calendar's
buttons and modal, the real tick and the fake Slack. A member who was reminded of the old time
gets one short notice, never a second prompt; what was not sent yet follows the new time; a
reminder in flight during the change is settled when its outcome is known."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.scheduler.tick import Ticker
from bot.storage.db import Database
from bot.storage.models import Reminder
from tests.conftest import FAC, MEMBERS
from tests.helpers import create_set
from tests.test_reminders import (
    NUDGE,
    PROMPT,
    PROMPT_AT,
    SESSION,
    dms,
    reminder_rows,
    scheduler_process,
    tick,
)
from tests.test_sessions_calendar import cancel_from_listing, move_to, session_at

NY, BERLIN, TOKYO, SYDNEY, LA = MEMBERS
MOVED = "has moved"
CANCELLED = "is cancelled"
NEW_START = SESSION + timedelta(days=1)  # Tue 8 Dec 2026, 10:00 London


@pytest.fixture
def weekly_set(driver: SlackDriver, slack: FakeSlack) -> None:
    create_set(driver, slack, cadence="1")


@pytest.fixture
def scheduler(als: AlsBot, db: Database, slack: FakeSlack, clock: ManualClock) -> Ticker:
    return scheduler_process(als, db, slack, clock, timeout=1, worker="worker")


@pytest.fixture
def slow_ticker(als: AlsBot, db: Database, slack: FakeSlack, clock: ManualClock) -> Ticker:
    """Its Slack client waits long enough for a held call."""
    return scheduler_process(als, db, slack, clock, timeout=20, worker="slow-worker")


def hourly(ticker: Ticker, clock: ManualClock, start: datetime, hours: int) -> None:
    for h in range(hours + 1):
        tick(ticker, clock, start + timedelta(hours=h))


@pytest.fixture
def prompted(
    weekly_set: None, scheduler: Ticker, clock: ManualClock, slack: FakeSlack
) -> Iterator[None]:
    """Every member has had the prep prompt for the first session (Mon 7 Dec, 10:00)."""
    hourly(scheduler, clock, PROMPT_AT, 9)  # through 08:00 in every member's zone
    assert all(len(dms(slack, u, PROMPT)) == 1 for u in MEMBERS)
    yield


def test_moved_after_the_prompt_a_notice_not_a_second_prompt_and_the_nudge_follows(
    prompted: None,
    scheduler: Ticker,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
) -> None:
    first = session_at(db, SESSION)
    assert move_to(driver, slack, first, "2026-12-08", "10:00") is None
    hourly(scheduler, clock, clock() + timedelta(minutes=1), 24)
    for user in MEMBERS:
        assert len(dms(slack, user, MOVED)) == 1, user
        assert len(dms(slack, user, PROMPT)) == 1, f"{user}: no second prompt"
        moved = dms(slack, user, MOVED)[0]
        assert f"<!date^{int(NEW_START.timestamp())}^" in moved, "the notice gives the new time"
    assert not dms(slack, FAC, MOVED), "the facilitator had no prompt: no notice either"
    # The nudge was due 2 days before the old time; it now follows the new one.
    tick(scheduler, clock, SESSION - timedelta(days=2, minutes=-30))
    assert all(not dms(slack, u, NUDGE) for u in MEMBERS)
    hourly(scheduler, clock, NEW_START - timedelta(days=2), 23)
    assert all(len(dms(slack, u, NUDGE)) == 1 for u in MEMBERS)
    assert f"<!date^{int(NEW_START.timestamp())}^" in dms(slack, NY, NUDGE)[0]

    # Then it is cancelled: one "cancelled" notice each, nothing else for it.
    cancel_from_listing(driver, slack, first.id)
    hourly(scheduler, clock, clock() + timedelta(minutes=1), 24)
    assert all(len(dms(slack, u, CANCELLED)) == 1 for u in MEMBERS)
    rows = reminder_rows(db, session_id=first.id)
    assert not [r for r in rows if r.status in ("pending", "claimed")]
    assert all(len(dms(slack, u, NUDGE)) == 1 for u in MEMBERS)


def _only_new_york(db: Database, kind: str = "prep_prompt") -> None:
    """Every other reminder out of the way: the one call in flight is New York's ``kind``."""
    with db.write() as s, s.begin():
        s.execute(
            update(Reminder)
            .where((Reminder.target != NY) | (Reminder.kind != kind))
            .values(status="skipped")
        )


def _tick_in_background(ticker: Ticker, clock: ManualClock, at: datetime) -> threading.Thread:
    clock.set(at)
    thread = threading.Thread(target=ticker.tick, args=(at,), kwargs={"budget_seconds": 30})
    thread.start()
    return thread


@pytest.mark.parametrize("answer", ["delivered", "connection dropped"])
def test_a_prompt_in_flight_while_the_session_moves(
    weekly_set: None,
    slow_ticker: Ticker,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
    answer: str,
) -> None:
    tick(slow_ticker, clock, PROMPT_AT - timedelta(days=5))  # plan
    _only_new_york(db)
    first = session_at(db, SESSION)
    held = slack.hold("chat.postMessage")
    thread = _tick_in_background(slow_ticker, clock, PROMPT_AT)
    held.wait_arrived(timeout=10)
    # The facilitator moves the session while New York's prompt is in flight.
    assert move_to(driver, slack, first, "2026-12-08", "10:00") is None
    [row] = reminder_rows(db, session_id=first.id, target=NY, kind="prep_prompt")
    assert row.status == "claimed", "left alone by the move"
    if answer == "delivered":
        held.release()
    else:
        held.drop()  # Slack may or may not have posted it: ambiguous
    thread.join(timeout=30)
    assert not thread.is_alive()
    [row] = reminder_rows(db, session_id=first.id, target=NY, kind="prep_prompt")
    if answer == "delivered":
        # It went out with the old time: a notice follows, not a second prompt.
        assert row.status == "sent" and len(dms(slack, NY, PROMPT)) == 1
        hourly(slow_ticker, clock, PROMPT_AT + timedelta(minutes=1), 2)
        assert len(dms(slack, NY, MOVED)) == 1 and len(dms(slack, NY, PROMPT)) == 1
    else:
        # To be tried again: now for the new time (same row: the unknown attempt stays counted).
        assert row.status == "pending" and row.ambiguous == 1
        assert row.session_revision == 2
        assert row.due_at == NEW_START - timedelta(days=3, hours=12)
        assert row.useful_until <= NEW_START
        hourly(slow_ticker, clock, row.send_after, 2)
        [row] = reminder_rows(db, session_id=first.id, target=NY, kind="prep_prompt")
        assert row.status == "sent" and row.ambiguous == 1
        resent = [m for m in dms(slack, NY, PROMPT) if f"<!date^{int(NEW_START.timestamp())}^" in m]
        assert len(resent) == 1, "the retry names the new time"
        assert not dms(slack, NY, MOVED), "the prompt it got already has the new time"


def test_a_nudge_whose_outcome_is_unknown_gets_the_notice(
    weekly_set: None,
    slow_ticker: Ticker,
    driver: SlackDriver,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
) -> None:
    """A nudge is never resent when nobody knows whether it went out ("unknown"); if the session
    then moves, the member may have read the old time, so they get the notice."""
    tick(slow_ticker, clock, PROMPT_AT - timedelta(days=5))
    _only_new_york(db, "prep_nudge")
    nudge_at = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 08:00 in New York
    held = slack.hold("chat.postMessage")
    thread = _tick_in_background(slow_ticker, clock, nudge_at)
    [call] = held.wait_arrived(timeout=10)
    assert NUDGE in str(call.get("text"))
    held.drop()
    thread.join(timeout=30)
    first = session_at(db, SESSION)
    [row] = reminder_rows(db, session_id=first.id, target=NY, kind="prep_nudge")
    assert row.status == "unknown"
    assert move_to(driver, slack, first, "2026-12-08", "10:00") is None
    hourly(slow_ticker, clock, nudge_at + timedelta(minutes=1), 1)
    assert len(dms(slack, NY, MOVED)) == 1
    assert not dms(slack, NY, NUDGE), "the nudge itself is not sent again"
