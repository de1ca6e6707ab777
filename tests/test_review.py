"""The closing review (issue 18, points 5 and 6): after a session each member rates it (1-5)
and may add a line on how the set worked; answers are anonymous; the set sees an average only
from three answers; the facilitator gets a heads-up after two poor sessions or a member
missing two in a row, never who rated what. Through the Slack surface, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import create_set, field_errors, settle, texts
from tests.test_reminders import scheduler_process, tick
from tests.test_sessions_calendar import listing, refusal

A, B, C, D, E = MEMBERS
START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 10:00 London, 3 hours
END = START + timedelta(hours=3)
WEEK = timedelta(weeks=1)


def review_dm(slack: FakeSlack, user: str) -> Any:
    return [m for m in slack.dm_messages(user) if "How useful was" in m.text][-1]


def rate(driver: SlackDriver, slack: FakeSlack, user: str, score: int) -> None:
    dm = review_dm(slack, user)
    driver.click(user, f"als_review_{score}", channel_id=dm.channel, message_ts=dm.ts)
    settle(slack)


def home(driver: SlackDriver, slack: FakeSlack, user: str) -> str:
    driver.app_home_opened(user)
    settle(slack)
    return texts((slack.home_view(user) or {})["blocks"])


def test_reviews_are_anonymous_and_shown_from_three_answers(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, START - timedelta(days=1))
    tick(ticker, clock, END)  # the review DMs, out of quiet hours: London, New York, Berlin
    for user in (FAC, A, B):
        assert "Anonymous" in texts(review_dm(slack, user).blocks)

    rate(driver, slack, A, 2)
    rate(driver, slack, B, 4)
    rate(driver, slack, A, 3)  # a second answer replaces the first
    assert "Your answer: *3* of 5" in texts(review_dm(slack, A).blocks)
    shown = home(driver, slack, C)
    assert "How useful the last session was" in shown and "2 answers (shown from 3)" in shown
    assert "of 5 from" not in shown

    rate(driver, slack, FAC, 5)
    assert "*4.0* of 5 from 3 members" in home(driver, slack, C)

    # A line on how the set worked, from the form: the facilitator reads it, unattributed.
    dm = review_dm(slack, A)
    before = len(slack.calls_to("views.open"))
    driver.click(A, "als_review_note", channel_id=dm.channel, message_ts=dm.ts)
    slack.wait_for("views.open", count=before + 1)
    response = driver.submit_view(
        A, values={"useful": {"useful_input": "3"}, "note": {"note_input": "We listened well"}}
    )
    assert field_errors(response) is None
    settle(slack)
    fac = home(driver, slack, FAC)
    assert "Usefulness by session (1-5, answers):" in fac and "4.0 (3)" in fac
    lines = fac.split("How the set worked")[1].split('"type"')[0]
    assert "We listened well" in lines and "<@" not in lines

    # Refused: someone not in the set, a session not held yet, a made-up session.
    held = str(review_dm(slack, A).blocks[1]["elements"][0]["value"])
    assert "not a member" in refusal(driver, slack, "U0OUTSID01", "als_review_4", held)
    upcoming = listing(driver, slack, C).blocks
    next_id = next(
        el["value"]
        for b in upcoming
        if b["type"] == "actions"
        for el in b["elements"]
        if el.get("action_id") == "als_rsvp_coming"
    )
    assert "not taken place" in refusal(driver, slack, C, "als_review_4", next_id)
    assert "no longer in the calendar" in refusal(driver, slack, C, "als_review_4", "999999")
    assert "*4.0* of 5 from 3 members" in home(driver, slack, C)  # nothing changed


def coming(driver: SlackDriver, slack: FakeSlack, users: tuple[str, ...]) -> None:
    """Each says Coming to the next session (their answer makes them present)."""
    for user in users:
        listed = listing(driver, slack, user)
        driver.click(user, "als_rsvp_coming", channel_id=SET_CHANNEL, message_ts=listed.ts)
    settle(slack)


def test_a_heads_up_after_two_poor_sessions_and_for_a_member_missing_two(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, cadence="1")
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, START - timedelta(days=1))
    coming(driver, slack, (A, B, C, D))
    tick(ticker, clock, END)
    for user, score in ((FAC, 2), (A, 1), (B, 2)):
        rate(driver, slack, user, score)
    tick(ticker, clock, END + timedelta(days=2, hours=1))
    # One poor session, nobody missing two yet: nothing to say.
    assert not [m for m in slack.dm_messages(FAC) if "heads-up" in m.text]

    coming(driver, slack, (A, B, C))  # D and E miss the second session; E missed both
    tick(ticker, clock, END + WEEK)
    for user, score in ((FAC, 1), (A, 2), (B, 3)):
        rate(driver, slack, user, score)
    tick(ticker, clock, END + WEEK + timedelta(days=2, hours=1))
    [heads_up] = [m for m in slack.dm_messages(FAC) if "heads-up" in m.text]
    said = texts(heads_up.blocks)
    assert "Two sessions in a row were rated 2 or less" in said
    assert f"<@{E}> missed the last two sessions" in said
    for person in (A, B, C, D):  # never who rated what, nor who came
        assert person not in said
