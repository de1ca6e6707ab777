"""The Home tab while a set's session runs live: its members see, at the top of the set's
section, that it runs now, its stage as the session's message names it and a link to that
message; the line follows the stages and is gone once the session ends. Driven through signed
requests and the fake Slack; the Home tabs are republished by the change itself (no one opens
them meanwhile)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.sandbox.render import RenderContext, view_html
from bot.storage.db import Database
from tests.conftest import FAC, MEMBERS, OUTSIDER, PUBLIC_CHANNEL, SET_CHANNEL
from tests.helpers import create_set, private_answer, settle, texts
from tests.test_live import click, confirmed_agenda, start, thread
from tests.test_reminders import scheduler_process
from tests.test_sessions_calendar import FIRST

A, B, C, D, E = MEMBERS
RUNNING = "The session is running now:"


def last_view(slack: FakeSlack, user: str) -> dict[str, Any]:
    """The last Home tab published for ``user`` (its ``views.publish``; {} if none was)."""
    published = [c for c in slack.calls_to("views.publish") if c.args.get("user_id") == user]
    if not published:
        return {}
    view = published[-1].args["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def last_home(slack: FakeSlack, user: str) -> str:
    """The text of the last Home tab published for ``user`` ("" if none was)."""
    return texts(last_view(slack, user).get("blocks"))


def sandbox_html(slack: FakeSlack, user: str) -> str:
    """That Home tab as the sandbox draws it."""
    return view_html(last_view(slack, user), RenderContext(viewer_id=user, tz="UTC"))


def home_when(slack: FakeSlack, user: str, needle: str, *, shown: bool = True) -> str:
    """``user``'s last published Home tab once it shows ``needle`` (or no longer does): the
    publisher republishes after the ack, one member after another, so a test waits for it
    (at most 10 s; then the Home as it is, for the assertion to name)."""
    deadline = time.monotonic() + 10
    while True:
        home = last_home(slack, user)
        if (needle in home) == shown or time.monotonic() > deadline:
            return home
        time.sleep(0.02)


def quiet(als: AlsBot, slack: FakeSlack) -> None:
    """Until the app's listeners and its Home publisher have nothing left to do (10 s at most)."""
    settle(slack)
    deadline = time.monotonic() + 10
    while not (als.idle() and als.deps.publisher.idle()) and time.monotonic() < deadline:
        time.sleep(0.02)


def section_of(shown: str, set_name: str) -> str:
    """The part of a Home tab's text about one set (from its name to the next divider)."""
    at = shown.index(f"*{set_name}*")
    end = shown.find('"divider"', at)
    return shown[at:] if end < 0 else shown[at:end]


def link_to(slack: FakeSlack, message: Any) -> str:
    """The fake's permalink of a message in the agenda's thread (as chat.getPermalink gives)."""
    return (
        f"<https://{slack.team_domain}.slack.com/archives/{SET_CHANNEL}/"
        f"p{message.ts.replace('.', '')}?thread_ts={message.thread_ts}&cid={SET_CHANNEL}"
        "|Go to the session>"
    )


def test_members_homes_show_the_running_session_and_its_stage_until_it_ends(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda = confirmed_agenda(driver, slack, clock)
    # Someone outside the set leads a set of their own (D and E are in both).
    created = create_set(
        driver,
        slack,
        user=OUTSIDER,
        channel=PUBLIC_CHANNEL,
        name="Other set",
        members=[D, E],
        first_date="2026-12-21",
    )
    assert created.status == 200
    assert "Other set" in home_when(slack, OUTSIDER, "Other set")
    assert "Other set" in home_when(slack, D, "Other set")
    assert RUNNING not in last_home(slack, A)

    # Start session: every member's Home says so, with the stage and the opening's link.
    opening = start(driver, slack, agenda)[0]
    line = f":red_circle: *{RUNNING}* Opening · *Check-in* · {link_to(slack, opening)}"
    for user in (FAC, A, B, C, D, E):
        shown = section_of(home_when(slack, user, RUNNING), "Leaders' set")
        assert line in shown, (user, shown)
    # The sandbox draws it: the emoji, and the link to the message.
    html = sandbox_html(slack, A)
    assert "🔴" in html and f"/archives/{SET_CHANNEL}/p{opening.ts.replace('.', '')}" in html
    assert ">Go to the session</a>" in html
    # Not in the other set's section, nor on the Home of someone outside the set.
    assert RUNNING not in section_of(last_home(slack, D), "Other set")
    assert RUNNING not in last_home(slack, OUTSIDER)

    # The clock moves the stage on (the live pass): the Home follows.
    ticker = scheduler_process(als, db, slack, clock)
    clock.set(FIRST + timedelta(minutes=5))
    assert ticker.live(clock()) == 1
    for user in (FAC, A, E):
        assert "Opening · *Report-back round*" in home_when(slack, user, "Report-back round")

    # The facilitator's Next stage: the first topic, linked to its own message.
    click(driver, slack, FAC, "als_live_next", opening)
    topic = thread(slack, agenda.ts)[1]
    line = f"Topic 1: Topic A · *Presenting* · {link_to(slack, topic)}"
    for user in (FAC, A, B, C, D, E):
        assert line in home_when(slack, user, "Presenting"), user
    # A time-out is no new stage: no Home is published again for it.
    quiet(als, slack)
    publishes = len(slack.calls_to("views.publish"))
    click(driver, slack, FAC, "als_live_time_out", topic)
    assert "Time-out" in texts(getattr(slack.message(SET_CHANNEL, topic.ts), "blocks", None))
    quiet(als, slack)
    assert len(slack.calls_to("views.publish")) == publishes
    click(driver, slack, FAC, "als_live_resume", topic)

    # End each topic, then the session: the running line is gone.
    for position in (1, 2, 3):
        click(driver, slack, FAC, "als_live_end_part", thread(slack, agenda.ts)[position])
    assert "Closing · *Closing reflection*" in home_when(slack, A, "Closing reflection")
    click(driver, slack, FAC, "als_live_end", thread(slack, agenda.ts)[4])
    for user in (FAC, A, B, C, D, E):
        shown = home_when(slack, user, RUNNING, shown=False)
        assert "Leaders' set" in shown and RUNNING not in shown, user
    assert RUNNING not in last_home(slack, OUTSIDER)
    # Opening Home after the end shows no running session either.
    published = len(slack.calls_to("views.publish"))
    driver.app_home_opened(C)
    slack.wait_for("views.publish", count=published + 1)
    assert "Leaders' set" in last_home(slack, C) and RUNNING not in last_home(slack, C)


def test_started_by_command_the_home_names_the_channel_when_slack_gives_no_link(
    driver: SlackDriver, slack: FakeSlack, clock: ManualClock
) -> None:
    confirmed_agenda(driver, slack, clock)
    slack.inject_error("chat.getPermalink", "internal_error", count=100)
    assert private_answer(driver, slack, FAC, "start").text.startswith("The session has started")
    shown = home_when(slack, A, RUNNING)
    assert f"*{RUNNING}* Opening · *Check-in* · in <#{SET_CHANNEL}>" in shown
    assert "Go to the session" not in shown
    html = sandbox_html(slack, A)
    drawn = html[html.index("running now") : html.index("Next session")]
    assert f'data-channel-id="{SET_CHANNEL}"' in drawn and "sb-link" not in drawn
