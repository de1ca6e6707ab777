"""What keeps reminders reliable over a set's life, through the real tick, signed requests and
the fake Slack: the reflection prompt's button to that session's learning log, a member's new
time zone (``user_change``), and a workspace whose token was refused (stopped, probed with
``auth.test`` at most every 15 minutes, resumed) or that was uninstalled and comes back.

Time only moves through the injected clock. The set (see conftest and test_reminders): Monday
2026-12-07 10:00 London (= 10:00 UTC), weekly, five members in New York, Berlin, Tokyo, Sydney
and Los Angeles; the facilitator (London) does not present."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.fakeslack.state import Message
from bot.scheduler.tick import PROBE_EVERY, Ticker
from bot.storage.db import Database
from bot.storage.models import (
    LearningSet,
    LogEntry,
    Membership,
    PlannedSession,
    Reminder,
    Workspace,
)
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import create_set, eventually, field_errors, last_response_text, settle
from tests.test_reminders import NUDGE, PROMPT, PROMPT_AT, REFLECT, scheduler_process, tick

NY, BERLIN, TOKYO, SYDNEY, LA = MEMBERS
LOG_BUTTON = "als_log_open"


@pytest.fixture
def ticker(als: AlsBot, db: Database, slack: FakeSlack, clock: ManualClock) -> Ticker:
    """A scheduler process as in production (its own Slack client), paced on the test clock."""
    return scheduler_process(als, db, slack, clock)


def dms(slack: FakeSlack, user: str, needle: str) -> list[Message]:
    return [m for m in slack.dm_messages(user) if needle.lower() in m.text.lower()]


def prompted(slack: FakeSlack) -> Counter[str]:
    """How many prep prompts each member has received."""
    return Counter({u: len(dms(slack, u, PROMPT)) for u in MEMBERS if dms(slack, u, PROMPT)})


def reminder_rows(db: Database, **where: object) -> list[Reminder]:
    with db.read() as s:
        stmt = select(Reminder)
        for key, value in where.items():
            stmt = stmt.where(getattr(Reminder, key) == value)
        return list(s.scalars(stmt.order_by(Reminder.id)))


def first_session(db: Database) -> PlannedSession:
    with db.read() as s:
        row = s.scalar(select(PlannedSession).order_by(PlannedSession.starts_at).limit(1))
        assert row is not None
        return row


def workspace(db: Database, slack: FakeSlack) -> Workspace:
    with db.read() as s:
        ws = s.get(Workspace, slack.team_id)
        assert ws is not None
        return ws


def auth_tests(slack: FakeSlack) -> int:
    return len(slack.calls_to("auth.test"))


def posts(slack: FakeSlack) -> int:
    return len(slack.calls_to("chat.postMessage"))


@pytest.fixture
def the_set(driver: SlackDriver, slack: FakeSlack) -> None:
    create_set(driver, slack, cadence="1")


# -- the reflection prompt's button ---------------------------------------------------------
def reflection_for(
    ticker: Ticker, clock: ManualClock, slack: FakeSlack, db: Database, user: str
) -> Message:
    """Plan, then run the tick an hour after the first session's end; the reflection DM
    ``user`` got."""
    tick(ticker, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # plans
    row = first_session(db)
    tick(ticker, clock, row.starts_at + timedelta(minutes=row.duration_minutes, hours=1))
    [prompt] = dms(slack, user, REFLECT)
    return prompt


def click_log_button(
    driver: SlackDriver, slack: FakeSlack, user: str, prompt: Message, value: str | None = None
) -> None:
    """Click the prompt's button (in the DM it was sent to) as ``user``; ``value`` forges it."""
    driver.click(user, LOG_BUTTON, channel_id=prompt.channel, message_ts=prompt.ts, value=value)
    settle(slack)


def test_reflection_button_opens_and_saves_that_sessions_log(
    the_set: None,
    driver: SlackDriver,
    ticker: Ticker,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
) -> None:
    prompt = reflection_for(ticker, clock, slack, db, BERLIN)
    session = first_session(db)
    with db.read() as s:
        set_id = s.scalar(select(LearningSet.id))
    buttons = [
        el
        for block in prompt.blocks or []
        for el in block.get("elements", [])
        if el.get("action_id") == LOG_BUTTON
    ]
    assert [b["text"]["text"] for b in buttons] == ["Write in your learning log"]
    assert buttons[0]["value"] == f"{set_id}:{session.id}"

    opened = len(slack.calls_to("views.open"))
    click_log_button(driver, slack, BERLIN, prompt)
    assert len(slack.calls_to("views.open")) == opened + 1
    modal = slack.open_views(BERLIN)[-1]
    assert modal["callback_id"] == "als_log"
    assert "REFLECT-SECRET" not in json.dumps(modal), "nothing written yet: nothing prefilled"
    response = driver.submit_view(
        BERLIN,
        values={
            "about_issue": {"about_issue_input": "REFLECT-SECRET I listen better"},
            "about_set": {"about_set_input": "We start on time"},
        },
    )
    assert response.status == 200 and field_errors(response) is None
    settle(slack)
    with db.read() as s:
        entries = s.scalars(select(LogEntry)).all()
    assert [(e.author_id, e.session_id, e.about_issue, e.about_set) for e in entries] == [
        (BERLIN, session.id, "REFLECT-SECRET I listen better", "We start on time")
    ]
    assert "is saved" in slack.dm_messages(BERLIN)[-1].text

    # The same button later: the entry, prefilled, and saving again edits it.
    click_log_button(driver, slack, BERLIN, prompt)
    assert len(slack.calls_to("views.open")) == opened + 2
    assert "REFLECT-SECRET I listen better" in json.dumps(slack.open_views(BERLIN)[-1])
    driver.submit_view(BERLIN, values={"about_issue": {"about_issue_input": "REFLECT-SECRET v2"}})
    settle(slack)
    with db.read() as s:
        assert [e.about_issue for e in s.scalars(select(LogEntry))] == ["REFLECT-SECRET v2"]


def test_reflection_button_refuses_outsiders_leavers_closed_sets_and_damaged_values(
    the_set: None,
    driver: SlackDriver,
    ticker: Ticker,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
) -> None:
    prompt = reflection_for(ticker, clock, slack, db, BERLIN)
    opened = len(slack.calls_to("views.open"))

    # Someone who is not in the set (the message forwarded, or a forged click).
    click_log_button(driver, slack, OUTSIDER, prompt)
    assert "not a member" in last_response_text(slack)
    # A damaged or forged value: the standard answer for a stale button.
    click_log_button(driver, slack, BERLIN, prompt, value="12")
    assert "out of date" in last_response_text(slack)
    # A session that is not the set's: refused.
    with db.read() as s:
        set_id = s.scalar(select(LearningSet.id))
    click_log_button(driver, slack, BERLIN, prompt, value=f"{set_id}:999999")
    assert "no longer exists" in last_response_text(slack)

    # A closed set.
    with db.write() as s, s.begin():
        s.execute(update(LearningSet).values(status="closed"))
    click_log_button(driver, slack, BERLIN, prompt)
    assert "closed" in last_response_text(slack)
    with db.write() as s, s.begin():
        s.execute(update(LearningSet).values(status="active"))

    # A member who has left since.
    answers = len(slack.calls_to("response_url"))
    assert driver.command(BERLIN, "leave", channel_id=SET_CHANNEL).status == 200
    slack.wait_for("response_url", count=answers + 1)
    confirm = slack.ephemerals(SET_CHANNEL, BERLIN)[-1]
    driver.click(BERLIN, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    slack.wait_for("chat.postMessage", lambda c: "has left" in c.args.get("text", ""))
    click_log_button(driver, slack, BERLIN, prompt)
    assert "not a member" in last_response_text(slack)

    assert len(slack.calls_to("views.open")) == opened, "no modal opened for any of them"
    with db.read() as s:
        assert s.scalars(select(LogEntry)).all() == []


# -- a member's new time zone ---------------------------------------------------------------
def test_user_change_moves_a_members_pending_reminders_into_their_new_zone(
    driver: SlackDriver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    slack.update_user(NY, tz="Europe/London")
    create_set(driver, slack, cadence="1")
    tick(ticker, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # plans, sends nothing
    session = first_session(db)
    [prompt] = reminder_rows(db, kind="prep_prompt", target=NY, session_id=session.id)
    [nudge] = reminder_rows(db, kind="prep_nudge", target=NY, session_id=session.id)
    [berlin] = reminder_rows(db, kind="prep_prompt", target=BERLIN, session_id=session.id)
    # In London the prompt (22:00) waits for 08:00; the nudge (10:00) goes at once.
    assert prompt.send_after == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert nudge.send_after == nudge.due_at == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)

    # New York moves to Auckland (UTC+13 in December).
    slack.update_user(NY, tz="Pacific/Auckland")
    user = slack.user(NY)
    assert user is not None
    assert driver.event({"type": "user_change", "user": user.to_api()}).status == 200

    def moved() -> bool:
        with db.read() as s:
            zones = s.scalars(select(Membership.tz).where(Membership.user_id == NY)).all()
        return list(zones) == ["Pacific/Auckland"]

    eventually(moved, "the membership takes the new zone")
    eventually(
        lambda: reminder_rows(db, id=prompt.id)[0].send_after == PROMPT_AT,
        "the prompt (11:00 in Auckland) is no longer held back",
    )
    # The nudge: 23:00 in Auckland, so it waits for 08:00 there (19:00 UTC).
    [nudge] = reminder_rows(db, id=nudge.id)
    assert nudge.send_after == datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
    assert reminder_rows(db, id=berlin.id)[0].send_after == berlin.send_after, "others stay"

    tick(ticker, clock, PROMPT_AT)
    assert len(dms(slack, NY, PROMPT)) == 1, "delivered at 11:00 in the new zone"
    tick(ticker, clock, datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    assert dms(slack, TOKYO, NUDGE) and not dms(slack, NY, NUDGE)
    tick(ticker, clock, datetime(2026, 12, 5, 18, 59, tzinfo=UTC))
    assert not dms(slack, NY, NUDGE), "still night in Auckland"
    tick(ticker, clock, datetime(2026, 12, 5, 19, 0, tzinfo=UTC))  # 08:00 in Auckland
    assert len(dms(slack, NY, NUDGE)) == 1
    assert len(dms(slack, NY, PROMPT)) == 1


# -- a stopped workspace resumes --------------------------------------------------------------
def test_token_refused_stops_then_a_probe_every_15_minutes_resumes_sending(
    the_set: None, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    slack.set_auth_error("token_revoked")
    tick(ticker, clock, PROMPT_AT)
    ws = workspace(db, slack)
    assert ws.sending_stopped_at is not None and ws.sending_stopped_reason == "token_revoked"
    session = first_session(db)
    due = [
        r
        for r in reminder_rows(db, kind="prep_prompt", session_id=session.id)
        if r.target in (NY, SYDNEY, LA)
    ]
    # One was refused; the others were not even tried: they wait.
    assert Counter(r.status for r in due) == {"failed": 1, "pending": 2}
    assert all(r.attempts == 0 for r in due if r.status == "pending")
    assert not prompted(slack)
    probes, sent = auth_tests(slack), posts(slack)

    # The refused send counts as a try: none again within 15 minutes, and nothing is sent.
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=1))
    assert (auth_tests(slack), posts(slack)) == (probes, sent)
    # 16 minutes later the token is tried: still refused, still stopped.
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=16))
    assert (auth_tests(slack), posts(slack)) == (probes + 1, sent)
    assert workspace(db, slack).sending_stopped_at is not None

    slack.set_auth_error(None)  # the token works again
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=26))  # 10 minutes after the last try
    assert (auth_tests(slack), posts(slack)) == (probes + 1, sent), "no probe within 15 min"
    assert workspace(db, slack).sending_stopped_at is not None

    tick(ticker, clock, PROMPT_AT + timedelta(minutes=32))
    assert auth_tests(slack) == probes + 2
    ws = workspace(db, slack)
    assert ws.sending_stopped_at is None and ws.sending_stopped_reason is None
    # Resumed in the same pass: every prompt due, the refused one included, exactly once.
    assert prompted(slack) == {NY: 1, SYDNEY: 1, LA: 1}
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=33))
    tick(ticker, clock, datetime(2026, 12, 4, 7, 0, tzinfo=UTC))  # 08:00 Berlin, after Tokyo's
    assert prompted(slack) == dict.fromkeys(MEMBERS, 1)
    assert auth_tests(slack) == probes + 2, "a working workspace is not probed"
    rows = reminder_rows(db, kind="prep_prompt", session_id=session.id)
    assert {r.status for r in rows} == {"sent"}


def test_tokens_revoked_event_stops_at_once_and_a_reinstall_is_noticed(
    the_set: None,
    driver: SlackDriver,
    ticker: Ticker,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
) -> None:
    # Slack revokes the bot's token and says so.
    slack.set_auth_error("token_revoked")
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [slack.bot_user_id]}}
    assert driver.event(event).status == 200
    eventually(
        lambda: workspace(db, slack).sending_stopped_reason == "tokens_revoked",
        "sending stopped by the event",
    )
    probes, sent = auth_tests(slack), posts(slack)
    tick(ticker, clock, PROMPT_AT)
    # Nothing was even tried (no prompt refused and lost); the token was tried once.
    assert (auth_tests(slack), posts(slack)) == (probes + 1, sent)
    rows = reminder_rows(db, kind="prep_prompt", session_id=first_session(db).id)
    assert {r.status for r in rows} == {"pending"} and all(r.attempts == 0 for r in rows)

    slack.set_auth_error(None)  # reinstalled with the same token
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=14))
    assert (auth_tests(slack), posts(slack)) == (probes + 1, sent)
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=15))
    assert auth_tests(slack) == probes + 2
    assert prompted(slack) == {NY: 1, SYDNEY: 1, LA: 1}
    assert workspace(db, slack).sending_stopped_at is None

    # Uninstalled (nothing is sent there), then a signed request from the workspace: installed
    # again, and sending resumes.
    assert driver.event({"type": "app_uninstalled"}).status == 200
    eventually(lambda: workspace(db, slack).uninstalled_at is not None, "marked uninstalled")
    assert workspace(db, slack).sending_stopped_reason == "app_uninstalled"
    assert driver.event(event).status == 200  # part of leaving: proves nothing
    settle(slack)
    assert workspace(db, slack).uninstalled_at is not None
    assert workspace(db, slack).sending_stopped_reason == "app_uninstalled", "the first stop kept"
    assert driver.command(FAC, "help", channel_id=SET_CHANNEL).status == 200
    ws = workspace(db, slack)
    assert ws.uninstalled_at is None and ws.sending_stopped_at is None


def test_a_pass_that_finds_the_workspace_stopped_midway_keeps_its_reminders(
    the_set: None,
    driver: SlackDriver,
    ticker: Ticker,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
) -> None:
    """The stop came from elsewhere (the event, another process) after this pass looked at
    which workspaces are stopped: what it claims is put off until the next probe, not
    skipped for good."""
    tick(ticker, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # plans, nothing stopped
    event = {"type": "tokens_revoked", "tokens": {"bot": [slack.bot_user_id]}}
    assert driver.event(event).status == 200
    eventually(lambda: workspace(db, slack).sending_stopped_at is not None, "stopped")
    assert ticker.sender is not None
    clock.set(PROMPT_AT)
    ticker.sender.run(PROMPT_AT, budget_seconds=5)  # the rest of the earlier pass
    first = first_session(db).id
    due = [
        r
        for r in reminder_rows(db, kind="prep_prompt", session_id=first)
        if r.target in (NY, SYDNEY, LA)
    ]
    assert {r.status for r in due} == {"pending"} and all(r.attempts == 0 for r in due)
    # The first one claimed waits for the next probe; the others were not claimed at all.
    assert sorted(r.send_after for r in due) == [PROMPT_AT, PROMPT_AT, PROMPT_AT + PROBE_EVERY]
    assert not prompted(slack)
    tick(ticker, clock, PROMPT_AT + PROBE_EVERY)  # probed: the token works
    assert prompted(slack) == {NY: 1, SYDNEY: 1, LA: 1}
