"""The scheduler pass: planning horizon, "the next session", and the APScheduler job."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.directory import ChannelFacts, UserFacts
from bot.domain.sets import DEFAULT_GROUND_RULES, SetupForm
from bot.scheduler.runner import start_scheduler

PEOPLE = {u: UserFacts(u, u, "UTC", False, False) for u in ("U1", "U2", "U3")}
CHANNEL = ChannelFacts(id="C1", found=True, is_private=True, bot_is_member=True)


def make_set(als: AlsBot, first: date, at: time = time(10, 0), minutes: int = 120) -> None:
    form = SetupForm(
        "S",
        "U1",
        ("U2", "U3"),
        "Europe/London",
        first,
        at,
        1,
        minutes,
        None,
        False,
        DEFAULT_GROUND_RULES,
    )
    als.deps.sets.save_setup(
        "T1", "U1", CHANNEL, form, lookup=PEOPLE.get, view_id="V1", editing_set_id=None
    )


def test_next_session_is_the_running_one_until_it_ends(als: AlsBot, clock: ManualClock) -> None:
    make_set(als, date(2026, 12, 7))
    first = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    for now, expected in [
        (first - timedelta(minutes=1), first),
        (first + timedelta(minutes=119), first),  # during the session
        (first + timedelta(minutes=120), first + timedelta(weeks=1)),  # it has ended
    ]:
        clock.set(now)
        info = als.deps.sets.for_channel("T1", "C1")
        assert info is not None and info.next_session is not None
        assert info.next_session.starts_at == expected


def test_tick_keeps_four_sessions_planned_across_dst(als: AlsBot, clock: ManualClock) -> None:
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    make_set(als, date(2027, 3, 15))  # weekly; London springs forward on 2027-03-28
    assert len(als.deps.sets.for_channel("T1", "C1").upcoming) == 4  # type: ignore[union-attr]
    nothing = als.ticker.tick(datetime(2027, 3, 2, tzinfo=UTC))
    assert (nothing.sets, nothing.sessions_planned) == (1, 0)
    assert "1 set planned, 0 sessions and" in nothing.line()
    later = datetime(2027, 3, 30, 12, 0, tzinfo=UTC)  # three sessions are over
    summary = als.ticker.tick(later)
    assert summary.sessions_planned == 3
    assert "3 sessions and" in summary.line()
    clock.set(later)
    upcoming = als.deps.sets.for_channel("T1", "C1").upcoming  # type: ignore[union-attr]
    assert len(upcoming) == 4
    assert all(s.local_time == time(10, 0) for s in upcoming)
    assert upcoming[0].starts_at == datetime(2027, 4, 5, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert als.ticker.tick(later).sessions_planned == 0  # idempotent


def test_tick_skips_sessions_missed_while_the_bot_was_down(als: AlsBot, clock: ManualClock) -> None:
    make_set(als, date(2026, 12, 7))
    months_later = datetime(2027, 6, 1, tzinfo=UTC)
    als.ticker.tick(months_later)
    clock.set(months_later)
    upcoming = als.deps.sets.for_channel("T1", "C1").upcoming  # type: ignore[union-attr]
    assert len(upcoming) == 4 and upcoming[0].starts_at > months_later


def test_scheduler_fires_ticks_one_at_a_time() -> None:
    fired = threading.Event()
    scheduler = start_scheduler(lambda: fired.set(), seconds=1)
    try:
        assert fired.wait(5)
        job = scheduler.get_job("als-tick")
        assert job is not None and job.coalesce is True and job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)


def test_the_live_pass_is_a_job_of_its_own_and_a_failing_run_does_not_stop_it() -> None:
    runs: list[int] = []
    again = threading.Event()

    def live() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        again.set()

    scheduler = start_scheduler(lambda: None, seconds=60, live=live, live_seconds=1)
    try:
        assert again.wait(5)  # the second run came after the first one failed
        job = scheduler.get_job("als-live")
        assert job is not None and job.coalesce is True and job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)
