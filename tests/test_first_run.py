"""The first hour (issue 15): what someone meets before there is a set, and the words the bot
uses. Each test drives the real app through signed requests and the fake Slack."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from tests.conftest import FAC, MEMBERS, OUTSIDER, PUBLIC_CHANNEL, SET_CHANNEL
from tests.helpers import answer_to, create_set, open_vote, submit_topic
from tests.test_reminders import scheduler_process, tick

#: Commands that need a set, and where someone in no set runs them.
BEFORE_ANY_SET = [
    ("topic", SET_CHANNEL),
    ("agenda", PUBLIC_CHANNEL),
    ("agenda close", PUBLIC_CHANNEL),
    ("actions", SET_CHANNEL),
    ("log", SET_CHANNEL),
    ("sessions", PUBLIC_CHANNEL),
    ("leave", SET_CHANNEL),
]


@pytest.mark.parametrize(("words", "channel"), BEFORE_ANY_SET)
def test_a_command_before_any_set_points_to_setup(
    words: str, channel: str, driver: SlackDriver, slack: FakeSlack
) -> None:
    opened = len(slack.calls_to("views.open"))
    told = answer_to(slack, lambda: driver.command(OUTSIDER, words, channel_id=channel))
    assert "`/als setup`" in told, told
    assert len(slack.calls_to("views.open")) == opened


def test_the_facilitators_agenda_command_in_a_channel_without_a_set(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    create_set(driver, slack)
    told = answer_to(slack, lambda: driver.command(FAC, "agenda", channel_id=PUBLIC_CHANNEL))
    assert "no set in this channel yet" in told and "`/als setup` creates one here" in told
    assert "run this in its channel" in told


_PLURAL_HEDGE = re.compile(r"\w\(s\)")


def test_no_message_hedges_its_plurals(
    als: AlsBot,
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
) -> None:
    """Counts are written "1 topic", "2 members": never "member(s)". A whole set-up, topics,
    an agenda and the session-day post, every text the bot sent looked at."""
    create_set(driver, slack, cadence="1")
    submit_topic(driver, slack, MEMBERS[0], "Budget fight")
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # the session-day post
    open_vote(driver, slack)
    sent = [
        json.dumps(call.args, ensure_ascii=False)
        for call in slack.calls
        if call.method.startswith(("chat.", "views.")) or call.method == "response_url"
    ]
    assert any("1 topic in" in text for text in sent)
    assert any("sent the ground rules to 6 members" in text for text in sent)
    hedged = [m.group(0) for text in sent for m in _PLURAL_HEDGE.finditer(text)]
    assert hedged == []
