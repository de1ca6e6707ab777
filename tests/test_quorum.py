"""Quorum (issue 16, point 2): when, some days before a session, fewer members can come than
the set's minimum, the facilitator gets one DM with Move and Cancel (the calendar's flows),
out of their quiet hours; the session-day post says who is coming (names, never reasons)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import PlannedSession
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import create_set, settle, texts
from tests.test_attendance import SECRET, apologise, first_session
from tests.test_reminders import scheduler_process, tick
from tests.test_sessions_calendar import listing

A, B, C, D, E = MEMBERS
CHECK_AT = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 2 days before 10:00 London on 7 Dec
POST_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # an hour before the start
WARNING = "can still come"


def warnings(slack: FakeSlack) -> list[str]:
    return [m.text for m in slack.dm_messages(FAC) if WARNING in m.text]


def send_apologies(driver: SlackDriver, slack: FakeSlack, *users: str, reason: str = "") -> None:
    for user in users:
        listed = listing(driver, slack, user)
        apologise(driver, slack, user, reason, channel_id=SET_CHANNEL, message_ts=listed.ts)


def test_too_few_can_come_the_facilitator_is_asked_once_and_can_cancel(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    send_apologies(driver, slack, A, B, C, D)  # E and the facilitator may still come: 2 < 3
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, CHECK_AT.replace(hour=9, minute=59))
    assert warnings(slack) == []
    tick(ticker, clock, CHECK_AT)
    assert len(warnings(slack)) == 1
    assert "only 2 members can still come: the set agreed on at least 3" in warnings(slack)[0]
    tick(ticker, clock, CHECK_AT.replace(hour=12))
    assert len(warnings(slack)) == 1, "one DM, not one per pass"

    dm = next(m for m in slack.dm_messages(FAC) if WARNING in m.text)
    shown = texts(dm.blocks)
    assert "als_session_move" in shown and "als_session_cancel" in shown
    assert f"apologies from <@{A}>" in shown
    driver.click(FAC, "als_session_cancel", channel_id=dm.channel, message_ts=dm.ts)
    settle(slack)
    assert first_session(db).status == "cancelled"
    assert any("cancelled" in m.text for m in slack.messages(SET_CHANNEL))


def test_enough_can_come_no_warning(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    send_apologies(driver, slack, A, B, C)  # D, E and the facilitator: 3, the minimum
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, CHECK_AT)
    assert warnings(slack) == []


def test_the_warning_waits_for_the_facilitators_morning_and_follows_the_settings(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    slack.update_user(FAC, tz="Pacific/Auckland")  # 10:00 UTC is 23:00 there
    create_set(driver, slack, min_members="6", quorum_days="2")
    send_apologies(driver, slack, A)  # 5 may come, of 6 needed
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, CHECK_AT)
    assert warnings(slack) == []
    tick(ticker, clock, datetime(2026, 12, 5, 19, 0, tzinfo=UTC))  # 08:00 in Auckland
    assert len(warnings(slack)) == 1 and "at least 6" in warnings(slack)[0]


def test_the_session_day_post_says_who_is_coming_never_why_not(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    send_apologies(driver, slack, A, reason=SECRET)
    listed = listing(driver, slack, B)
    driver.click(B, "als_rsvp_coming", channel_id=SET_CHANNEL, message_ts=listed.ts)
    settle(slack)
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, POST_AT)
    with db.read() as s:
        assert s.scalars(select(PlannedSession)).first() is not None
    post = next(m for m in slack.messages(SET_CHANNEL) if "starts" in m.text)
    shown = texts(post.blocks)
    assert f"1 member coming (<@{B}>)" in shown and f"apologies from <@{A}>" in shown
    assert "not answered:" in shown
    assert SECRET not in json.dumps([c.args for c in slack.calls if c.method != "views.open"])
