"""Help, unknown subcommands, signatures, events, and the manifest <-> listener contract."""

from __future__ import annotations

import json
import time

import yaml

from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.ids import Sub
from bot.storage.db import Database
from bot.storage.models import Workspace
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import create_set, last_response_text, settle, texts
from tests.test_manifest_schema import load_manifest


def test_help_lists_every_subcommand(driver: SlackDriver, slack: FakeSlack) -> None:
    for text in ("", "help"):
        driver.command(FAC, text, channel_id=SET_CHANNEL)
    posts = slack.wait_for("response_url", count=2)
    for post in posts:
        body = post.args
        assert body.get("response_type") == "ephemeral"
        for sub in Sub:
            assert f"/als {sub.value}" in body["text"]


def test_unknown_subcommand_names_the_closest(driver: SlackDriver, slack: FakeSlack) -> None:
    answers = len(slack.calls_to("response_url"))
    driver.command(FAC, "setpu", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    text = last_response_text(slack)
    assert "Did you mean `/als setup`" in text
    driver.command(FAC, "agneda", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 2)
    assert "Did you mean `/als agenda`" in last_response_text(slack)
    # A word like no subcommand gets no guess, only the way to the list.
    driver.command(FAC, "xyzzy", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 3)
    text = last_response_text(slack)
    assert "Did you mean" not in text and "`/als help` lists everything" in text
    driver.command(FAC, "<!channel>", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 4)
    assert "<!channel>" not in last_response_text(slack)


def test_forged_and_stale_signatures_get_401_and_nothing_runs(
    driver: SlackDriver, slack: FakeSlack, app_url: str
) -> None:
    forged = SlackDriver(f"{app_url}/slack/events", "not-the-secret", slack)
    assert forged.command(FAC, "setup", channel_id=SET_CHANNEL).status == 401
    body = b"command=%2Fals&text=help&team_id=T0TEAM0001&user_id=U0FACIL001&channel_id=C0SETCHAN1"
    stale = driver.sign(body, timestamp=int(time.time()) - 10 * 60)
    assert (
        driver.send_raw(body, {**stale, "Content-Type": "application/x-www-form-urlencoded"}).status
        == 401
    )
    unsigned = driver.send_raw(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status == 401
    time.sleep(0.3)  # give a wrongly started listener time to show itself
    assert [c.method for c in slack.calls if c.method != "auth.test"] == []


def test_app_home_opened_publishes_sets(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    driver.app_home_opened(MEMBERS[0])
    slack.wait_for("views.publish")
    assert "Create a set" in texts(slack.home_view(MEMBERS[0])["blocks"])  # type: ignore[index]
    create_set(driver, slack)
    slack.reset_calls()
    driver.app_home_opened(MEMBERS[0])
    slack.wait_for("views.publish")
    home = texts(slack.home_view(MEMBERS[0])["blocks"])  # type: ignore[index]
    assert "Leaders' set" in home and "<!date^" in home and "als_agree_rules" in home
    # The Messages tab is not the Home tab: nothing to publish.
    slack.reset_calls()
    assert driver.app_home_opened(MEMBERS[0], tab="messages").status == 200
    time.sleep(0.3)
    assert slack.calls_to("views.publish") == []


def test_app_uninstalled_marks_the_workspace(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    response = driver.event({"type": "app_uninstalled"})
    assert response.status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with db.read() as s:
            ws = s.get(Workspace, slack.team_id)
        if ws is not None and ws.uninstalled_at is not None:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("workspace not marked as uninstalled")


def test_manifest_and_listeners_match(driver: SlackDriver, slack: FakeSlack) -> None:
    from bot.handlers.events import EVENTS
    from bot.ids import COMMAND

    manifest = load_manifest()
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # What the handlers register (one listener per event in EVENTS) is exactly what the
    # manifest declares...
    assert commands == {COMMAND}
    assert events == set(EVENTS)
    # ...and the running app really answers each of them.
    for event in sorted(events):
        payload = {"type": event, "user": MEMBERS[0], "tab": "messages", "channel": "D0000001"}
        assert driver.event(payload).status == 200, event
    for command in commands:
        assert driver.command(FAC, "help", channel_id=SET_CHANNEL, command=command).status == 200
    # An event the manifest does not subscribe to is answered 200 and dropped (Bolt alone
    # would say 404, and Slack would retry it).
    settle(slack)  # the help answer above comes after its ack
    before = len(slack.calls)
    assert driver.event({"type": "reaction_added", "user": FAC}).status == 200
    settle(slack)
    assert slack.calls[before:] == []
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert json.dumps(manifest).count("/slack/events") == 3


def test_manifest_yaml_is_plain() -> None:
    with open("manifest.yml") as fh:
        assert yaml.safe_load(fh)["features"]["bot_user"]["display_name"] == "als"
