"""When reminders are planned and delivered: offsets in days keep the session's local wall-clock
time across daylight saving changes, offsets in minutes are elapsed time, quiet hours follow each
member's zone (pure unit tests of bot.domain.reminders)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.domain.reminders import (
    Kind,
    Planned,
    ReminderSettings,
    SessionFacts,
    days_before,
    deliverable_at,
    plan_for_session,
    prep_offset_days,
    quiet_hours_end,
)
from bot.domain.schedule import occurrence_on, zone

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
LORD_HOWE = "Australia/Lord_Howe"
CHANNEL = "C0SET"

#: 2026 changes: (zone, the Sunday clocks go forward, the Sunday they go back, the shift).
#: Lord Howe moves by 30 minutes: forward in October, back in April.
DST = [
    (LONDON, date(2026, 3, 29), date(2026, 10, 25), timedelta(hours=1)),
    (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1), timedelta(hours=1)),
    (LORD_HOWE, date(2026, 10, 4), date(2026, 4, 5), timedelta(minutes=30)),
]
CHANGES = [
    pytest.param(tz, day, shift, id=f"{tz}-{name}")
    for tz, forward, back, step in DST
    for name, day, shift in (("forward", forward, step), ("back", back, -step))
]


def facts(day: date, at: time, tz: str, *, cadence: int = 1, minutes: int = 120) -> SessionFacts:
    occ = occurrence_on(day, at, tz)
    return SessionFacts(
        starts_at=occ.starts_at,
        local_date=occ.local_date,
        local_time=occ.local_time,
        timezone=tz,
        duration_minutes=minutes,
        cadence_weeks=cadence,
    )


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(zone(tz)).replace(tzinfo=None)


def due(plan: list[Planned], kind: Kind) -> datetime:
    times = {p.due_at for p in plan if p.kind == kind}
    assert len(times) == 1, (kind, times)
    return times.pop()


def plan(session: SessionFacts, cfg: ReminderSettings | None = None) -> list[Planned]:
    return plan_for_session(
        session,
        cfg or ReminderSettings(),
        channel_id=CHANNEL,
        members=["U1", "U2", "U3"],
        presenters=["U1", "U2"],
    )


# -- offsets in days: same wall-clock time, whatever the clocks did in between -----------------


@pytest.mark.parametrize(("tz", "change", "shift"), CHANGES)
@pytest.mark.parametrize(("cadence", "prep_days"), [(2, 7.0), (1, 3.5)])
def test_reminders_keep_local_time_across_a_dst_change(
    tz: str, change: date, shift: timedelta, cadence: int, prep_days: float
) -> None:
    # A 10:00 session on the Monday after the change; every day-offset reminder lands before it.
    session = facts(change + timedelta(days=1), time(10, 0), tz, cadence=cadence)
    assert local(session.starts_at, tz) == datetime.combine(session.local_date, time(10, 0))
    assert prep_offset_days(ReminderSettings(), cadence) == prep_days
    out = plan(session)
    start = session.starts_at
    # (kind, days before, the local wall-clock time it is due at)
    expected = [
        (Kind.PREP_NUDGE, 2, time(10, 0)),
        (Kind.REPORT_REMINDER, 3, time(10, 0)),
        # Weekly: half the interval, 3.5 days, i.e. 22:00 four days before.
        (Kind.PREP_PROMPT, prep_days, time(10, 0) if prep_days == 7 else time(22, 0)),
    ]
    for kind, days, at in expected:
        instant = due(out, kind)
        assert instant.tzinfo is not None and instant.utcoffset() == timedelta(0)
        whole = int(days + 0.5)  # 3.5 days before 10:00 is 22:00 on the fourth day before
        assert local(instant, tz) == datetime.combine(
            session.local_date - timedelta(days=whole), at
        ), kind
        # The clocks moved between the reminder and the session: the elapsed time differs.
        assert start - instant == timedelta(days=days) - shift, kind
    # Minutes are elapsed time.
    assert due(out, Kind.SESSION_POST) == start - timedelta(minutes=60)
    assert due(out, Kind.REFLECTION) == start + timedelta(minutes=120 + 60)


@pytest.mark.parametrize(("tz", "change", "shift"), CHANGES)
def test_days_before_on_the_change_day_itself(tz: str, change: date, shift: timedelta) -> None:
    # A Tuesday 10:00 session: the nudge is on the Sunday of the change, at 10:00 local.
    session = facts(change + timedelta(days=2), time(10, 0), tz)
    nudge = days_before(session, 2)
    assert local(nudge, tz) == datetime(change.year, change.month, change.day, 10, 0)
    assert session.starts_at - nudge == timedelta(days=2)  # both after the 02:00 change
    report = days_before(session, 3)
    assert session.starts_at - report == timedelta(days=3) - shift


@pytest.mark.parametrize(
    ("tz", "session_day", "at", "nudge_local", "nudge_utc"),
    [
        # Spring forward: the reminder's wall-clock time does not exist on the change day, so it
        # moves to the first valid minute.
        (LONDON, date(2026, 3, 31), time(1, 30), time(2, 0), datetime(2026, 3, 29, 1, 0)),
        (NEW_YORK, date(2026, 3, 10), time(2, 30), time(3, 0), datetime(2026, 3, 8, 7, 0)),
        (LORD_HOWE, date(2026, 10, 6), time(2, 15), time(2, 30), datetime(2026, 10, 3, 15, 30)),
        # Fall back: the wall-clock time happens twice; the first one is taken.
        (LONDON, date(2026, 10, 27), time(1, 30), time(1, 30), datetime(2026, 10, 25, 0, 30)),
        (NEW_YORK, date(2026, 11, 3), time(1, 30), time(1, 30), datetime(2026, 11, 1, 5, 30)),
        (LORD_HOWE, date(2026, 4, 7), time(1, 45), time(1, 45), datetime(2026, 4, 4, 14, 45)),
    ],
)
def test_reminder_wall_clock_time_missing_or_doubled_on_its_day(
    tz: str, session_day: date, at: time, nudge_local: time, nudge_utc: datetime
) -> None:
    session = facts(session_day, at, tz)
    assert session.local_time == at  # the session's own day has no change
    nudge = due(plan(session), Kind.PREP_NUDGE)
    assert nudge == nudge_utc.replace(tzinfo=UTC)
    assert local(nudge, tz) == datetime.combine(session_day - timedelta(days=2), nudge_local)
    assert days_before(session, 2) == nudge


def test_half_day_prompt_landing_in_the_gap_moves_to_the_first_valid_minute() -> None:
    # Weekly 13:30 on Wednesday 2026-04-01: 3.5 days before is 01:30 on the Sunday London
    # springs forward, which does not exist: 02:00 BST.
    session = facts(date(2026, 4, 1), time(13, 30), LONDON, cadence=1)
    prompt = due(plan(session), Kind.PREP_PROMPT)
    assert local(prompt, LONDON) == datetime(2026, 3, 29, 2, 0)
    assert prompt == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_session_in_the_gap_posts_sixty_elapsed_minutes_before_its_real_start() -> None:
    # 02:30 on New York's spring-forward day is 03:00 EDT; the post is an hour of elapsed time
    # earlier, 01:00 EST on the wall clock.
    session = facts(date(2026, 3, 8), time(2, 30), NEW_YORK, minutes=60)
    assert session.local_time == time(3, 0)
    out = plan(session)
    post = due(out, Kind.SESSION_POST)
    assert post == session.starts_at - timedelta(hours=1)
    assert local(post, NEW_YORK) == datetime(2026, 3, 8, 1, 0)
    reflect = due(out, Kind.REFLECTION)
    assert reflect == session.starts_at + timedelta(minutes=120)
    assert local(reflect, NEW_YORK) == datetime(2026, 3, 8, 5, 0)


def test_reflection_after_a_session_spanning_the_fall_back() -> None:
    # 00:30 EDT on 2026-11-01 for an hour: it ends at 01:30 EDT; an hour later is 01:30 EST.
    session = facts(date(2026, 11, 1), time(0, 30), NEW_YORK, minutes=60)
    reflect = due(plan(session), Kind.REFLECTION)
    assert reflect == session.starts_at + timedelta(minutes=120)
    assert reflect == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert local(reflect, NEW_YORK) == datetime(2026, 11, 1, 1, 30)


@pytest.mark.parametrize(
    ("prep_days", "cadence", "expected"),
    [(7, 1, 3.5), (7, 2, 7.0), (7, 4, 7.0), (7, 8, 7.0), (3, 1, 3.0), (10, 2, 7.0), (0, 1, 0.0)],
)
def test_prep_offset_is_the_setting_or_half_the_interval(
    prep_days: int, cadence: int, expected: float
) -> None:
    assert prep_offset_days(ReminderSettings(prep_days=prep_days), cadence) == expected


# -- quiet hours ---------------------------------------------------------------------------------

QUIET_ZONES = [LONDON, NEW_YORK, LORD_HOWE, "Asia/Kolkata", "Pacific/Chatham", "UTC"]
SUMMER = date(2026, 6, 16)  # no change anywhere near


def at_local(day: date, clock: time, tz: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone(tz)).astimezone(UTC)


@pytest.mark.parametrize("tz", QUIET_ZONES)
@pytest.mark.parametrize(
    ("clock", "ends_on"),
    [
        (time(19, 59), None),
        (time(20, 0), 1),
        (time(23, 59), 1),
        (time(0, 0), 0),
        (time(7, 59), 0),
        (time(8, 0), None),
        (time(12, 0), None),
    ],
)
def test_quiet_hours_edges(tz: str, clock: time, ends_on: int | None) -> None:
    end = quiet_hours_end(at_local(SUMMER, clock, tz), tz)
    if ends_on is None:
        assert end is None
    else:
        assert end == at_local(SUMMER + timedelta(days=ends_on), time(8, 0), tz)
        assert end.astimezone(zone(tz)).time() == time(8, 0)


@pytest.mark.parametrize(
    ("tz", "evening", "night"),
    [
        # Clocks forward overnight: the night is shorter in elapsed time.
        (LONDON, datetime(2026, 3, 28, 22, 0), timedelta(hours=9)),
        (NEW_YORK, datetime(2026, 3, 7, 22, 0), timedelta(hours=9)),
        (LORD_HOWE, datetime(2026, 10, 3, 22, 0), timedelta(hours=9, minutes=30)),
        # Clocks back overnight: longer.
        (LONDON, datetime(2026, 10, 24, 22, 0), timedelta(hours=11)),
        (NEW_YORK, datetime(2026, 10, 31, 22, 0), timedelta(hours=11)),
        (LORD_HOWE, datetime(2026, 4, 4, 22, 0), timedelta(hours=10, minutes=30)),
    ],
)
def test_quiet_hours_across_a_dst_change_night(
    tz: str, evening: datetime, night: timedelta
) -> None:
    at = evening.replace(tzinfo=zone(tz)).astimezone(UTC)
    end = quiet_hours_end(at, tz)
    assert end is not None
    assert end - at == night
    assert local(end, tz) == datetime.combine(evening.date() + timedelta(days=1), time(8, 0))


@pytest.mark.parametrize(
    ("tz", "instants", "end"),
    [
        # Both 01:30s of London's fall-back night, and 01:00 GMT after the change.
        (
            LONDON,
            [datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 1, 30)],
            datetime(2026, 10, 25, 8, 0),
        ),
        # Just after New York's gap (03:00 EDT) and just before it (01:59 EST).
        (
            NEW_YORK,
            [datetime(2026, 3, 8, 7, 0), datetime(2026, 3, 8, 6, 59)],
            datetime(2026, 3, 8, 12, 0),
        ),
        # Lord Howe's repeated half hour (01:45 LHDT, then 01:45 LHST).
        (
            LORD_HOWE,
            [datetime(2026, 4, 4, 14, 45), datetime(2026, 4, 4, 15, 15)],
            datetime(2026, 4, 4, 21, 30),
        ),
    ],
)
def test_quiet_hours_during_the_change_itself(
    tz: str, instants: list[datetime], end: datetime
) -> None:
    for instant in instants:
        assert quiet_hours_end(instant.replace(tzinfo=UTC), tz) == end.replace(tzinfo=UTC)


def test_quiet_hours_do_not_depend_on_the_zone_the_instant_is_written_in() -> None:
    at = datetime(2026, 6, 16, 21, 0, tzinfo=UTC)  # 22:00 BST, 17:00 EDT
    as_tokyo = at.astimezone(zone("Asia/Tokyo"))
    assert quiet_hours_end(as_tokyo, LONDON) == quiet_hours_end(at, LONDON)
    assert quiet_hours_end(as_tokyo, LONDON) == datetime(2026, 6, 17, 7, 0, tzinfo=UTC)
    assert quiet_hours_end(as_tokyo, NEW_YORK) is None


@pytest.mark.parametrize(
    "tz", [None, "", "Mars/Olympus_Mons", "europe/london", " Europe/London", "GMT+25"]
)
def test_unknown_zone_has_no_quiet_hours(tz: str | None) -> None:
    at = datetime(2026, 6, 16, 2, 0, tzinfo=UTC)
    assert quiet_hours_end(at, tz) is None
    assert deliverable_at(Kind.PREP_PROMPT, at, tz) == at


@pytest.mark.parametrize("kind", list(Kind))
def test_channel_kinds_are_never_deferred(kind: Kind) -> None:
    night = at_local(SUMMER, time(23, 0), LONDON)
    morning = at_local(SUMMER + timedelta(days=1), time(8, 0), LONDON)
    day = at_local(SUMMER, time(12, 0), LONDON)
    assert kind.to_channel == (kind in (Kind.SESSION_POST, Kind.AUTO_VOTE))
    if kind.to_channel:
        assert deliverable_at(kind, night, LONDON) == night
    else:
        assert deliverable_at(kind, night, LONDON) == morning
    assert deliverable_at(kind, day, LONDON) == day


# -- settings ------------------------------------------------------------------------------------

DEFAULTS = ReminderSettings()
BAD_NUMBERS: list[Any] = [-1, -7, True, False, "5", "", 2.5, 3.0, None, [], {}, [3]]


def test_defaults() -> None:
    assert (
        ReminderSettings(
            prep_days=7,
            nudge_days=2,
            report_days=3,
            post_minutes=60,
            reflection_minutes=60,
            auto_vote=False,
        )
        == DEFAULTS
    )
    for settings in (None, {}, {"reminders": None}, {"reminders": {}}, {"other": 1}):
        assert ReminderSettings.load(settings) == DEFAULTS


@pytest.mark.parametrize("key", ReminderSettings.KEYS)
@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=repr)
def test_load_ignores_bad_numbers(key: str, bad: Any) -> None:
    assert ReminderSettings.load({"reminders": {key: bad}}) == DEFAULTS
    # A bad value does not spoil the good ones next to it.
    other = "nudge_days" if key != "nudge_days" else "report_days"
    loaded = ReminderSettings.load({"reminders": {key: bad, other: 9}})
    assert getattr(loaded, key) == getattr(DEFAULTS, key)
    assert getattr(loaded, other) == 9


@pytest.mark.parametrize("key", ReminderSettings.KEYS)
@pytest.mark.parametrize("good", [0, 1, 14])
def test_load_keeps_whole_numbers(key: str, good: int) -> None:
    loaded = ReminderSettings.load({"reminders": {key: good}})
    assert getattr(loaded, key) == good
    others = {k: getattr(DEFAULTS, k) for k in ReminderSettings.KEYS if k != key}
    assert {k: getattr(loaded, k) for k in others} == others


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", False), (1, False), (0, False), (None, False)],
)
def test_load_auto_vote_only_from_a_bool(value: Any, expected: bool) -> None:
    assert ReminderSettings.load({"reminders": {"auto_vote": value}}).auto_vote is expected


def test_dump_load_round_trip_and_unknown_keys() -> None:
    cfg = ReminderSettings(prep_days=5, nudge_days=1, report_days=4, auto_vote=True)
    assert ReminderSettings.load({"reminders": cfg.dump()}) == cfg
    assert ReminderSettings.load({"reminders": {**cfg.dump(), "KEYS": [], "x": 1}}) == cfg


@pytest.mark.parametrize("raw", [["prep_days", 3], "prep_days=3", 7])
def test_load_ignores_a_reminders_value_that_is_not_an_object(raw: Any) -> None:
    assert ReminderSettings.load({"reminders": raw}) == DEFAULTS


# -- who gets what -------------------------------------------------------------------------------


def test_plan_targets_and_counts() -> None:
    session = facts(date(2026, 6, 16), time(10, 0), LONDON, cadence=2, minutes=90)
    out = plan(session)
    counts = Counter(p.kind for p in out)
    assert counts == {
        Kind.PREP_PROMPT: 2,
        Kind.PREP_NUDGE: 2,
        Kind.REPORT_REMINDER: 3,
        Kind.REFLECTION: 3,
        Kind.REVIEW: 3,
        Kind.SESSION_POST: 1,
    }
    by_kind: dict[Kind, list[str]] = {}
    for p in out:
        by_kind.setdefault(p.kind, []).append(p.target)
    assert by_kind[Kind.PREP_PROMPT] == ["U1", "U2"]  # presenters only
    assert by_kind[Kind.PREP_NUDGE] == ["U1", "U2"]
    assert by_kind[Kind.REPORT_REMINDER] == ["U1", "U2", "U3"]  # every member
    assert by_kind[Kind.REFLECTION] == ["U1", "U2", "U3"]
    assert by_kind[Kind.REVIEW] == ["U1", "U2", "U3"]
    assert by_kind[Kind.SESSION_POST] == [CHANNEL]
    start = session.starts_at
    end = start + timedelta(minutes=90)
    for p in out:
        if p.kind in (Kind.REFLECTION, Kind.REVIEW):
            assert p.useful_until == p.due_at + timedelta(days=3)
        else:
            assert p.useful_until == start, p
            assert p.due_at < start
        assert p.due_at <= p.useful_until
    assert due(out, Kind.REFLECTION) == end + timedelta(minutes=60)
    assert due(out, Kind.REVIEW) == end  # the review first; the reflection prompt follows it


def test_auto_vote_only_when_enabled() -> None:
    session = facts(date(2026, 6, 16), time(10, 0), LONDON, minutes=90)
    assert not [p for p in plan(session) if p.kind == Kind.AUTO_VOTE]
    out = plan(session, ReminderSettings(auto_vote=True))
    votes = [p for p in out if p.kind == Kind.AUTO_VOTE]
    assert len(votes) == 1
    assert votes[0].target == CHANNEL
    assert votes[0].due_at == session.starts_at
    assert votes[0].useful_until == session.starts_at + timedelta(minutes=90)


def test_no_members_or_presenters_leaves_only_the_channel_post() -> None:
    session = facts(date(2026, 6, 16), time(10, 0), LONDON)
    out = plan_for_session(
        session, ReminderSettings(auto_vote=True), channel_id=CHANNEL, members=[], presenters=[]
    )
    assert sorted(p.kind for p in out) == [Kind.AUTO_VOTE, Kind.SESSION_POST]


@pytest.mark.parametrize(
    ("cadence", "prep_days", "nudge_days", "nudged"),
    [
        (2, 7, 2, True),
        (1, 7, 3, True),  # prompt 3.5 days before, nudge 3: after it
        (1, 7, 4, False),  # nudge 4 days before would precede the 3.5-day prompt
        (2, 2, 2, False),  # at the same moment as the prompt
        (2, 2, 3, False),  # before the prompt
        (2, 0, 2, False),  # the prompt comes at the start
        (2, 3, 0, True),  # a nudge at the start itself is still after the prompt
    ],
)
def test_no_nudge_at_or_before_the_prompt(
    cadence: int, prep_days: int, nudge_days: int, nudged: bool
) -> None:
    session = facts(date(2026, 6, 16), time(10, 0), NEW_YORK, cadence=cadence)
    cfg = ReminderSettings(prep_days=prep_days, nudge_days=nudge_days)
    out = plan(session, cfg)
    nudges = [p for p in out if p.kind == Kind.PREP_NUDGE]
    assert len([p for p in out if p.kind == Kind.PREP_PROMPT]) == 2
    if nudged:
        assert [p.target for p in nudges] == ["U1", "U2"]
        assert due(out, Kind.PREP_NUDGE) > due(out, Kind.PREP_PROMPT)
    else:
        assert nudges == []
