"""Schedule maths: wall-clock sessions across DST changes (pure unit tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.schedule import index_on_or_after, occurrence_on, occurrences, zone


def test_weekly_10am_london_stays_10am_across_spring_forward() -> None:
    # Europe/London moves to BST on 2026-03-29.
    occ = occurrences(date(2026, 3, 22), time(10, 0), "Europe/London", 1, count=2)
    assert [o.local_time for o in occ] == [time(10, 0), time(10, 0)]
    assert occ[0].starts_at == datetime(2026, 3, 22, 10, 0, tzinfo=UTC)
    assert occ[1].starts_at == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)


def test_weekly_10am_london_stays_10am_across_fall_back() -> None:
    occ = occurrences(date(2026, 10, 18), time(10, 0), "Europe/London", 1, count=2)
    assert occ[0].starts_at == datetime(2026, 10, 18, 9, 0, tzinfo=UTC)
    assert occ[1].starts_at == datetime(2026, 10, 25, 10, 0, tzinfo=UTC)


def test_nonexistent_local_time_moves_to_first_valid_minute() -> None:
    # America/New_York springs forward at 02:00 -> 03:00 on 2026-03-08.
    occ = occurrence_on(date(2026, 3, 8), time(2, 30), "America/New_York")
    assert occ.local_time == time(3, 0)
    assert occ.starts_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_ambiguous_local_time_takes_first_occurrence() -> None:
    # America/New_York falls back at 02:00 -> 01:00 on 2026-11-01: 01:30 happens twice.
    occ = occurrence_on(date(2026, 11, 1), time(1, 30), "America/New_York")
    assert occ.local_time == time(1, 30)
    assert occ.starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT (-4), the first


def test_lord_howe_half_hour_shift() -> None:
    # Australia/Lord_Howe moves from +10:30 to +11:00 at 02:00 on 2026-10-04: 02:00-02:29 do not exist.
    occ = occurrence_on(date(2026, 10, 4), time(2, 15), "Australia/Lord_Howe")
    assert occ.local_time == time(2, 30)
    before = occurrence_on(date(2026, 9, 27), time(10, 0), "Australia/Lord_Howe")
    after = occurrence_on(date(2026, 10, 11), time(10, 0), "Australia/Lord_Howe")
    assert after.starts_at - before.starts_at == timedelta(weeks=2, minutes=-30)
    assert after.starts_at.astimezone(zone("Australia/Lord_Howe")).time() == time(10, 0)


def test_recurrence_is_not_cumulative_after_a_gap() -> None:
    # A session moved forward by a gap does not drag the following ones.
    occ = occurrences(date(2026, 3, 1), time(2, 30), "America/New_York", 1, count=3)
    assert [o.local_time for o in occ] == [time(2, 30), time(3, 0), time(2, 30)]


@pytest.mark.parametrize("weeks", [1, 2, 3, 4, 6, 8])
def test_cadences(weeks: int) -> None:
    occ = occurrences(date(2027, 1, 5), time(9, 0), "UTC", weeks, count=3)
    assert [o.local_date for o in occ] == [
        date(2027, 1, 5) + timedelta(weeks=weeks * n) for n in range(3)
    ]


def test_unsupported_cadence_and_zone_rejected() -> None:
    with pytest.raises(ValueError):
        occurrences(date(2027, 1, 5), time(9, 0), "UTC", 5, count=1)
    with pytest.raises(ValueError):
        zone("Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        zone("../etc/passwd")


def test_index_on_or_after() -> None:
    anchor = date(2027, 1, 4)
    assert index_on_or_after(anchor, 2, date(2027, 1, 1)) == 0
    assert index_on_or_after(anchor, 2, anchor) == 0
    assert index_on_or_after(anchor, 2, date(2027, 1, 5)) == 1
    assert index_on_or_after(anchor, 2, date(2027, 1, 18)) == 1
    assert index_on_or_after(anchor, 2, date(2027, 1, 19)) == 2
