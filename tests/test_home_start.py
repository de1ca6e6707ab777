"""Starting from the Home tab (issue 15, point 4): someone in no set learns what the bot is for
and creates a set from there (the channel first, the set-up form next); a facilitator's Home
offers what they do next. Driven through signed requests and the fake Slack."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import AgendaVote, LearningSet
from tests.conftest import FAC, MEMBERS, NOBOT_CHANNEL, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    answer_to,
    create_set,
    field_errors,
    forge_button,
    settle,
    setup_values,
    texts,
)
from tests.test_actions import SESSION_2, commit_values, confirmed_agenda, open_commit


def home(driver: SlackDriver, slack: FakeSlack, user: str) -> dict[str, Any]:
    before = len(slack.calls_to("views.publish"))
    driver.app_home_opened(user)
    slack.wait_for("views.publish", count=before + 1)
    view = slack.home_view(user)
    assert view is not None
    return view


def buttons(view: dict[str, Any]) -> dict[str, str]:
    """Button text -> action id, on a view."""
    out = {}
    for block in view["blocks"]:
        for el in block.get("elements") or []:
            if el.get("type") == "button":
                out[el["text"]["text"]] = el["action_id"]
    return out


def home_without(slack: FakeSlack, user: str, needle: str, timeout: float = 5.0) -> str:
    """The user's Home tab once it no longer shows ``needle`` (republished after the ack)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = texts((slack.home_view(user) or {}).get("blocks"))
        if needle not in shown or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)


def click_home(driver: SlackDriver, slack: FakeSlack, user: str, action_id: str) -> None:
    assert driver.click(user, action_id).status == 200
    settle(slack)


def test_home_before_any_set_says_what_the_bot_is_for_and_offers_to_create_one(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    view = home(driver, slack, OUTSIDER)
    shown = texts(view["blocks"])
    assert "asking questions rather than giving advice" in shown
    assert buttons(view) == {"Create a set": "als_home_create_set"}
    assert "Joining a set?" in shown


def test_create_a_set_from_home_channel_first_then_the_form(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    home(driver, slack, FAC)
    click_home(driver, slack, FAC, "als_home_create_set")
    [picker] = slack.open_views(FAC)
    assert picker["callback_id"] == "als_setup_channel"
    [element] = [b["element"] for b in picker["blocks"] if b["type"] == "input"]
    assert element["type"] == "conversations_select"
    assert element["filter"] == {
        "include": ["public", "private"],
        "exclude_bot_users": True,
        "exclude_external_shared_channels": True,
    }

    # Nothing picked, then a channel the bot is not in: said in the field, how to fix it.
    empty = {"channel": {"channel_input": None}}
    assert (
        "Choose the set's channel"
        in (field_errors(driver.submit_view(FAC, values=empty)) or {})["channel"]
    )
    errors = field_errors(
        driver.submit_view(FAC, values={"channel": {"channel_input": NOBOT_CHANNEL}})
    )
    assert errors and "/invite @als" in errors["channel"], errors

    # The set's channel: the same window becomes the set-up form for that channel.
    response = driver.submit_view(FAC, values={"channel": {"channel_input": SET_CHANNEL}})
    assert json.loads(response.body)["response_action"] == "update"
    [form] = slack.open_views(FAC)
    assert form["callback_id"] == "als_setup" and form["id"] == picker["id"]
    assert json.loads(form["private_metadata"])["c"] == SET_CHANNEL
    assert form["external_id"].startswith("setup-0-")
    values = setup_values(name="From Home", members=MEMBERS, first_date="2026-12-07")
    assert field_errors(driver.submit_view(FAC, values=values)) is None
    settle(slack)
    with db.read() as s:
        lset = s.scalars(select(LearningSet)).one()
    assert (lset.name, lset.channel_id) == ("From Home", SET_CHANNEL)


def test_a_channel_that_has_a_set_is_refused_to_someone_else(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    create_set(driver, slack)
    home(driver, slack, MEMBERS[0])  # a member: no "Create a set" any more
    assert "Create a set" not in buttons(slack.home_view(MEMBERS[0]) or {"blocks": []})
    home(driver, slack, OUTSIDER)
    click_home(driver, slack, OUTSIDER, "als_home_create_set")
    errors = field_errors(
        driver.submit_view(OUTSIDER, values={"channel": {"channel_input": SET_CHANNEL}})
    )
    assert errors and "already has a set" in errors["channel"], errors


def test_the_facilitators_home_offers_the_next_steps(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    A, _, C, *_ = MEMBERS
    open_commit(driver, slack, C, agenda, ids[C])
    driver.submit_view(C, values=commit_values([("Ask for feedback", None)]))
    settle(slack)
    clock.set(SESSION_2 - timedelta(days=3))

    view = home(driver, slack, FAC)
    assert list(buttons(view))[-5:] == [
        "Open the agenda vote",
        "Start the report-back round",
        "Sessions",
        "Set report",  # everyone's: the set's report and one's own goal
        "My goal",
    ]
    assert "Open the agenda vote" not in buttons(home(driver, slack, A))  # members: not theirs

    # Sessions: the calendar, in the facilitator's DM with the bot.
    click_home(driver, slack, FAC, "als_home_sessions")
    assert "Move" in texts(slack.dm_messages(FAC)[-1].blocks)

    # The round: posted in the set's channel; the button goes.
    before = len(slack.messages(SET_CHANNEL))
    click_home(driver, slack, FAC, "als_home_round")
    posted = slack.messages(SET_CHANNEL)[before:]
    assert any("Ask for feedback" in texts(m.blocks) for m in posted)
    assert "Start the report-back round" not in home_without(slack, FAC, "report-back round")

    # The vote: opened for the next session; the button goes.
    click_home(driver, slack, FAC, "als_home_open_vote")
    with db.read() as s:
        assert len(s.scalars(select(AgendaVote)).all()) == 2
    assert "Open the agenda vote" not in home_without(slack, FAC, "Open the agenda vote")


def test_a_members_forged_next_step_click_is_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    with db.read() as s:
        set_id = s.scalars(select(LearningSet.id)).one()
    dm = slack.open_im(MEMBERS[0]).id
    for action in ("als_home_open_vote", "als_home_round"):
        told = answer_to(
            slack,
            lambda a=action: forge_button(driver, slack, MEMBERS[0], dm, "1.0", a, str(set_id)),
        )
        assert "Only the facilitator" in told, (action, told)
    with db.read() as s:
        assert s.scalars(select(AgendaVote)).first() is None
