"""Who came (issue 16, point 4): after a session the facilitator gets a checklist of members,
preset from the answers, the agenda and the report-backs; they correct it and save; Home
shows each member's attendance. Driven through signed requests and the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.scheduler.tick import Ticker
from bot.storage.db import Database
from bot.storage.models import SessionAttendance
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import answer_to, create_set, forge_button, settle, submit_topic, texts
from tests.test_attendance import first_session
from tests.test_reminders import scheduler_process, tick
from tests.test_sessions_calendar import listing

A, B, C, D, E = MEMBERS
START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # the end of a 3-hour session


def held_session(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> Ticker:
    """E says she is coming; A, B and C present (the agenda: three topics for three places).
    The scheduler has planned the session's reminders (it runs every minute in ``serve``)."""
    create_set(driver, slack)
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, START - timedelta(days=1))
    listed = listing(driver, slack, E)
    driver.click(E, "als_rsvp_coming", channel_id=SET_CHANNEL, message_ts=listed.ts)
    for author in (A, B, C):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(START)
    driver.command(FAC, "agenda", channel_id=SET_CHANNEL)  # three topics: no vote needed
    settle(slack)
    return ticker


def checklist(slack: FakeSlack) -> object:
    return next(m for m in slack.dm_messages(FAC) if "Who came to" in m.text)


def ticked(message: object) -> list[str]:
    blocks = message.blocks  # type: ignore[attr-defined]
    return [
        o["value"]
        for b in blocks
        if b.get("block_id", "").startswith("present_") and b["type"] == "actions"
        for el in b["elements"]
        if el["type"] == "checkboxes"
        for o in el.get("initial_options") or []
    ]


def test_the_facilitator_confirms_who_came_from_a_preset_checklist(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    ticker = held_session(als, driver, slack, db, clock)
    tick(ticker, clock, AFTER)
    message = checklist(slack)
    assert sorted(ticked(message)) == sorted([A, B, C, E])  # presenters, and E who was coming

    # D came after all, E did not; presenters stay present even if unticked.
    dm = message.channel  # type: ignore[attr-defined]
    ts = message.ts  # type: ignore[attr-defined]
    driver.click(FAC, "als_present_0", channel_id=dm, message_ts=ts, selected=[B, C, D])
    told = answer_to(
        slack, lambda: driver.click(FAC, "als_attendance_save", channel_id=dm, message_ts=ts)
    )
    assert "4 of 6 members came" in told
    with db.read() as s:
        marks = {r.user_id: r.present for r in s.scalars(select(SessionAttendance))}
    assert marks == {A: True, B: True, C: True, D: True, E: False, FAC: False}

    # Home: each member's attendance so far; the checklist is not sent again.
    driver.app_home_opened(FAC)
    settle(slack)
    home = texts((slack.home_view(FAC) or {})["blocks"])
    assert f"<@{D}> 1 of 1" in home and f"<@{E}> 0 of 1" in home
    tick(ticker, clock, AFTER.replace(hour=15))
    lists = [m for m in slack.dm_messages(FAC) if "Who came" in m.text or "Attendance of" in m.text]
    assert len(lists) == 1 and "Attendance of" in lists[0].text  # sent once; Save redrew it


def test_only_the_facilitator_records_and_only_after_the_start(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    sid = str(first_session(db).id)
    dm = slack.open_im(FAC).id

    def refusal(user: str) -> str:
        return answer_to(
            slack,
            lambda: forge_button(driver, slack, user, dm, "1.0", "als_attendance_save", sid),
        )

    assert "has not started yet" in refusal(FAC)
    clock.set(AFTER)
    assert "Only the facilitator" in refusal(A)
    with db.read() as s:
        assert s.scalars(select(SessionAttendance)).first() is None


def test_the_attendance_so_far_is_read_in_the_same_queries_however_many_sessions_were_held(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """The facilitator's Home reads every held session's signs at once, not per session."""
    from sqlalchemy import event

    from bot.services.attendance import attendance_tally
    from bot.storage import queries as q

    create_set(driver, slack, cadence="1")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append("x")

    def queries_after(weeks: int) -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with db.read() as s:
                lset = q.set_by_channel(s, slack.team_id, SET_CHANNEL)
                assert lset is not None
                tally = attendance_tally(s, lset, START + timedelta(weeks=weeks, hours=4))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert {held for _, held in tally.values()} == {weeks + 1}
        return len(statements)

    assert queries_after(0) == queries_after(3)
