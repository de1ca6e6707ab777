"""Personal goals (issue 19, point 1), through the Slack surface on both databases: written in
the programme's first month (``/als goal``, or the button in the first session's review DM),
rated at its last session (the review DM's button, or ``/als goal review``), private to their
author throughout."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import MemberGoal, PlannedSession
from tests.conftest import MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    create_set,
    field_errors,
    forge_button,
    last_response_text,
    private_answer,
    settle,
    texts,
)
from tests.test_reminders import scheduler_process, tick
from tests.test_review import review_dm

A, B, C, D, E = MEMBERS
START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 10:00 London, 3 hours
END = START + timedelta(hours=3)
GOAL = "Say no to work that is not mine <!channel>"


def goal_command(driver: SlackDriver, slack: FakeSlack, user: str, text: str = "goal") -> Any:
    """Run ``/als <text>``: the modal it opened, else None (an answer was given)."""
    views = len(slack.calls_to("views.open"))
    answers = len(slack.calls_to("response_url"))
    assert driver.command(user, text, channel_id=SET_CHANNEL).status == 200
    settle(slack)
    if len(slack.calls_to("views.open")) > views:
        return slack.open_views(user)[-1]
    assert len(slack.calls_to("response_url")) > answers
    return None


def goals(db: Database) -> dict[str, MemberGoal]:
    with db.read() as s:
        rows = s.scalars(select(MemberGoal)).all()
        for r in rows:
            s.expunge(r)
        return {r.user_id: r for r in rows}


def everything_others_see(slack: FakeSlack, author: str) -> str:
    """Every message, modal and private answer anyone but ``author`` was sent."""
    seen = []
    for call in slack.calls:
        target = call.args.get("channel") or call.args.get("user") or ""
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            if call.method == "chat.postEphemeral" and call.args.get("user") == author:
                continue
            if target == author or target == slack.im_channel_id(author):
                continue
            seen.append(json.dumps(call.args))
        if call.method == "views.publish" and call.args.get("user_id") != author:
            seen.append(json.dumps(call.args))
    return "\n".join(seen)


def test_a_goal_is_written_in_the_first_month_and_rated_at_the_last_session(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, cadence="4", programme_sessions="3")
    ticker = scheduler_process(als, db, slack, clock)
    clock.set(START - timedelta(days=2))

    # A writes a goal before the first session: an empty one is refused, field by field.
    form = goal_command(driver, slack, A)
    assert form is not None and form["callback_id"] == "als_goal"
    errors = field_errors(driver.submit_view(A, values={"goal": {"goal_input": "  "}}))
    assert errors and "Write what you want" in errors["goal"]
    assert field_errors(driver.submit_view(A, values={"goal": {"goal_input": GOAL}})) is None
    settle(slack)
    saved = texts(slack.dm_messages(A)[-1].blocks)
    assert "Saved" in saved and "Say no to work that is not mine &lt;!channel&gt;" in saved
    assert goals(db)[A].goal == GOAL and goals(db)[A].rating is None

    # The first session's review DM: B (no goal yet) is offered to write one; A is not.
    tick(ticker, clock, START - timedelta(days=1))
    tick(ticker, clock, END)
    assert "als_goal_open" in texts(review_dm(slack, B).blocks)
    assert "als_goal_open" not in texts(review_dm(slack, A).blocks)
    # Rating the session keeps the offer in the redrawn DM.
    dm = review_dm(slack, B)
    driver.click(B, "als_review_4", channel_id=dm.channel, message_ts=dm.ts)
    settle(slack)
    assert "als_goal_open" in texts(review_dm(slack, B).blocks)
    before = len(slack.calls_to("views.open"))
    driver.click(B, "als_goal_open", channel_id=dm.channel, message_ts=dm.ts)
    slack.wait_for("views.open", count=before + 1)
    assert slack.open_views(B)[-1]["callback_id"] == "als_goal"

    # After the first month: A's goal can no longer change (a forged button is told), and B,
    # who wrote none, is told why.
    clock.set(START + timedelta(days=31))
    assert goal_command(driver, slack, A) is None
    shown = last_response_text(slack)
    assert "Say no to work" in shown and "als_goal_rate_open" in json.dumps(
        slack.calls_to("response_url")[-1].args
    )
    forge_button(driver, slack, A, SET_CHANNEL, "1700000000.000100", "als_goal_open", "1")
    settle(slack)
    assert "first month" in last_response_text(slack)
    assert goal_command(driver, slack, B) is None
    assert "first month, which is over" in last_response_text(slack)
    assert goal_command(driver, slack, B, "goal review") is None  # nothing to rate

    # The programme's last session (its third, 8 weeks in): A's review DM offers to rate.
    with db.read() as s:
        last = s.scalars(select(PlannedSession).order_by(PlannedSession.starts_at)).all()[2]
        last_end = last.starts_at + timedelta(minutes=last.duration_minutes)
    tick(ticker, clock, last.starts_at - timedelta(days=1))
    tick(ticker, clock, last_end)
    assert "als_goal_rate_open" in texts(review_dm(slack, A).blocks)
    assert "als_goal" not in texts(review_dm(slack, B).blocks)  # no goal: nothing offered

    # /als goal review: the rating form; no rating is refused; a rating with a line is saved.
    form = goal_command(driver, slack, A, "goal review")
    assert form is not None and form["callback_id"] == "als_goal_rating"
    no_rating = {"rating": {"rating_input": None}, "note": {"note_input": ""}}
    errors = field_errors(driver.submit_view(A, values=no_rating))
    assert errors and "from 1 to 5" in errors["rating"]
    rated = {"rating": {"rating_input": "4"}, "note": {"note_input": "Most weeks"}}
    assert field_errors(driver.submit_view(A, values=rated)) is None
    settle(slack)
    assert (goals(db)[A].rating, goals(db)[A].note) == (4, "Most weeks")
    assert "Your progress: *4* of 5" in texts(slack.dm_messages(A)[-1].blocks)

    # Private throughout: nobody else was ever sent the goal or its line.
    others = everything_others_see(slack, A)
    assert "Say no to work" not in others and "Most weeks" not in others


def test_goals_are_for_members_only(driver: SlackDriver, slack: FakeSlack) -> None:
    create_set(driver, slack)
    assert (
        "not in an Action Learning Set"
        in private_answer(driver, slack, OUTSIDER, "goal", channel=None).text
    )
    forge_button(driver, slack, OUTSIDER, SET_CHANNEL, "1700000000.000100", "als_goal_open", "1")
    settle(slack)
    assert "not a member" in last_response_text(slack)
