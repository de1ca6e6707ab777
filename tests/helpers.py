"""Small steps that tests take through the Slack surface."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bot.fakeslack.driver import Response, SlackDriver
from bot.fakeslack.server import FakeSlack
from tests.conftest import FAC, MEMBERS, SET_CHANNEL, WATCHED

#: The silence ``settle`` waits for once every watched app says it is idle.
WATCHED_QUIET = 0.03


def open_setup(
    driver: SlackDriver, slack: FakeSlack, user: str = FAC, channel: str = SET_CHANNEL
) -> dict[str, Any]:
    """Run ``/als setup`` and return the modal Slack opened."""
    before = len(slack.calls_to("views.open"))
    response = driver.command(user, "setup", channel_id=channel)
    assert response.status == 200, response.body
    slack.wait_for("views.open", count=before + 1)
    views = slack.open_views(user)
    assert views, "no modal is open"
    return views[-1]


def setup_values(**fields: Any) -> dict[str, dict[str, Any]]:
    """Modal input overrides: ``members=[...]`` -> {"members": {"members_input": [...]}}."""
    return {name: {f"{name}_input": value} for name, value in fields.items()}


DEFAULTS: dict[str, Any] = {"name": "Leaders' set", "members": MEMBERS, "first_date": "2026-12-07"}
#: The set-up modal's fields under "More settings" (the rest are its essentials).
MORE_SETTINGS = frozenset(
    {
        "participates",
        "budget",
        "cap",
        "self_vote",
        "slots",
        "opening",
        "closing",
        "programme_sessions",
        "programme_ends_on",
        "prep_days",
        "nudge_days",
        "report_days",
        "post_minutes",
        "reflection_minutes",
        "auto_vote",
        "ground_rules",
        "notice_hours",
        "min_members",
        "quorum_days",
        "stages",
    }
)


def more_settings(driver: SlackDriver, slack: FakeSlack, user: str = FAC) -> dict[str, Any]:
    """Click "More settings" in the user's open set-up modal; return the modal redrawn."""
    before = len(slack.calls_to("views.update"))
    response = driver.click(user, "als_setup_more")
    assert response.status == 200, response.body
    slack.wait_for("views.update", count=before + 1)
    return slack.open_views(user)[-1]


def create_set(
    driver: SlackDriver,
    slack: FakeSlack,
    *,
    user: str = FAC,
    channel: str = SET_CHANNEL,
    wait: bool = True,
    **fields: Any,
) -> Response:
    open_setup(driver, slack, user, channel)
    if MORE_SETTINGS & set(fields):
        more_settings(driver, slack, user)
    confirmations = len(slack.calls_to("chat.postEphemeral"))
    response = driver.submit_view(user, values=setup_values(**{**DEFAULTS, **fields}))
    if wait and response.status == 200 and not response.body.strip():
        # The confirmation is the last message the app sends after the ack.
        slack.wait_for("chat.postEphemeral", count=confirmations + 1)
        settle(slack)
    return response


def texts(blocks: list[dict[str, Any]] | None) -> str:
    """All the text of some blocks, for assertions."""
    return json.dumps(blocks or [], ensure_ascii=False)


def last_response_text(slack: FakeSlack) -> str:
    posts = slack.response_url_posts()
    assert posts, "the app did not answer through the response URL"
    body = posts[-1].body
    return body.get("text", "") + texts(body.get("blocks"))


def field_errors(response: Response) -> dict[str, str] | None:
    """The ``response_action: errors`` of a view submission (None if the modal was accepted).
    Also checks that the app's answer was a valid one for Slack."""
    assert response.status == 200, response.body
    assert response.view_errors == [], response.view_errors
    body = response.json()
    if body.get("response_action") == "errors":
        return dict(body["errors"])
    return None


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text in some blocks (the text Slack parses for mentions and links)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found.extend(mrkdwn_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(mrkdwn_texts(item))
    return found


def private_answer(
    driver: SlackDriver, slack: FakeSlack, user: str, text: str, channel: str | None = SET_CHANNEL
) -> Any:
    """Run ``/als <text>`` as ``user``; return the ephemeral answer (through the response URL)."""
    before = len(slack.calls_to("response_url"))
    assert driver.command(user, text, channel_id=channel).status == 200
    slack.wait_for("response_url", count=before + 1)
    settle(slack, quiet=0.1)
    return slack.ephemerals(user_id=user)[-1]


def settle(slack: FakeSlack, quiet: float = 0.25, timeout: float = 5.0) -> None:
    """Wait until the app has stopped calling Slack (work it does after acking): no call for
    ``quiet`` seconds, and the app says its after-ack work is done (``slack.idle_checks``).

    Sooner when only apps of this process call this Slack (``tests.conftest.watch``) and all
    of them are idle, their Home tab publishers included: then no call can still come, and a
    short silence (``WATCHED_QUIET``) is enough."""
    import time

    publishers = WATCHED.get(slack)
    deadline = time.monotonic() + timeout
    seen = len(slack.calls)
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.01)
        now_seen = len(slack.calls)
        if now_seen != seen:
            seen, last_change = now_seen, time.monotonic()
            continue
        silent = time.monotonic() - last_change
        if silent < min(quiet, WATCHED_QUIET if publishers else quiet):
            continue
        if not all(idle() for idle in slack.idle_checks):
            continue
        if silent >= quiet or (publishers and all(idle() for idle in publishers)):
            return


def submit_topic(
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    title: str = "",
    *,
    channel: str = SET_CHANNEL,
    response: str = "topic",
    scenario: str = "Two teams disagree about priorities.\nI am stuck in the middle.",
    question: str = "How do I get them to agree?",
    tried: str = "",
    shared: bool = False,
) -> Response:
    """Run ``/als topic`` and submit the modal."""
    before = len(slack.calls_to("views.open"))
    assert driver.command(user, "topic", channel_id=channel).status == 200
    slack.wait_for("views.open", count=before + 1)
    values = {
        "response": {"response_input": response},
        "title": {"title_input": title or f"Topic of {user}"},
        "scenario": {"scenario_input": scenario},
        "question": {"question_input": question},
        "tried": {"tried_input": tried},
        "sharing": {"sharing_input": "shared" if shared else "private"},
    }
    result = driver.submit_view(user, values=values)
    settle(slack)
    return result


def open_vote(
    driver: SlackDriver, slack: FakeSlack, user: str = FAC, channel: str = SET_CHANNEL
) -> Any:
    """The facilitator runs ``/als agenda``; returns the channel message (vote or agenda)."""
    before = len(slack.messages(channel))
    assert driver.command(user, "agenda", channel_id=channel).status == 200
    settle(slack)
    messages = slack.messages(channel)
    assert len(messages) == before + 1, last_response_text(slack)
    return messages[-1]


def ballot(
    driver: SlackDriver, slack: FakeSlack, user: str, message: Any, channel: str = SET_CHANNEL
) -> dict[str, Any]:
    """Click "Vote" on the vote message; returns the voter's private modal."""
    before = len(slack.calls_to("views.open"))
    driver.click(user, "als_vote_open", channel_id=channel, message_ts=message.ts)
    slack.wait_for("views.open", count=before + 1)
    return slack.open_views(user)[-1]


def give_votes(
    driver: SlackDriver, slack: FakeSlack, user: str, topic_id: int, count: int
) -> dict[str, Any]:
    """In the voter's open ballot, choose how many votes ``topic_id`` gets; returns the updated
    ballot (the app answers with ``views.update``)."""
    before = len(slack.calls_to("views.update"))
    view = slack.open_views(user)[-1]
    response = driver.click(
        user, f"als_vote_topic_{topic_id}", view_id=view["id"], selected=str(count)
    )
    assert response.status == 200
    slack.wait_for("views.update", count=before + 1)
    settle(slack, quiet=0.1)
    return slack.open_views(user)[-1]


def forge_submission(
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str = "",
    view_id: str = "V0FORGED01",
) -> Response:
    """A signed ``view_submission`` of a modal the app may never have opened, with the
    metadata and values it claims (a forged or stale client)."""
    import urllib.parse

    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": user, "team_id": slack.team_id},
        "api_app_id": slack.app_id,
        "trigger_id": slack.new_trigger_id(user),
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
        },
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return driver.send_raw(
        body, {**driver.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    )


def forge_view_action(
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    view: dict[str, Any],
    action: dict[str, Any],
) -> Response:
    """A signed ``block_actions`` from ``view`` carrying ``action`` as the payload claims it
    (a forged or stale client): the app must re-check everything itself."""
    import urllib.parse

    payload = {
        "type": "block_actions",
        "user": {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": slack.team_id,
        },
        "api_app_id": slack.app_id,
        "token": "forged",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": slack.new_trigger_id(user),
        "team": {"id": slack.team_id, "domain": "fake"},
        "view": view,
        "actions": [{**action, "action_ts": "1700000000.000001"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return driver.send_raw(
        body, {**driver.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    )


def forge_selection(
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    view: dict[str, Any],
    action_id: str,
    value: str,
) -> Response:
    """A select's choice the modal does not offer."""
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    action = {
        "action_id": action_id,
        "block_id": "forged",
        "type": "static_select",
        "selected_option": option,
    }
    return forge_view_action(driver, slack, user, view, action)


def forge_button(
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    channel: str,
    ts: str,
    action_id: str,
    value: str,
    *,
    clicked: tuple[str, str] | None = None,
) -> Response:
    """A signed click on a button an old client still shows (the message has changed since).
    ``clicked`` is the (channel, ts) Slack binds the response URL to, when the payload's
    container claims another message."""
    bound_channel, bound_ts = clicked or (channel, ts)
    import urllib.parse

    payload = {
        "type": "block_actions",
        "user": {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": slack.team_id,
        },
        "api_app_id": slack.app_id,
        "token": "stale",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": slack.new_trigger_id(user),
        "team": {"id": slack.team_id, "domain": "fake"},
        "channel": {"id": channel, "name": "set"},
        "message": {"type": "message", "ts": ts, "text": "", "blocks": []},
        "response_url": slack.new_response_url(
            channel_id=bound_channel, user_id=user, message_ts=bound_ts
        ),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "stale",
                "type": "button",
                "value": value,
                "text": {"type": "plain_text", "text": "stale"},
                "action_ts": "1700000000.000001",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return driver.send_raw(
        body, {**driver.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    )


def answer_to(slack: FakeSlack, act: Any) -> str:
    """Do ``act()`` and return the text of the private answer it produced (the next POST to a
    response URL), not an earlier one."""
    before = len(slack.calls_to("response_url"))
    act()
    slack.wait_for("response_url", count=before + 1)
    return last_response_text(slack)


def dm_file(slack: FakeSlack, user: str, name: str) -> str:
    """The text of the newest file called ``name`` shared in ``user``'s DM with the bot."""
    slack.wait_for("files.completeUploadExternal")
    settle(slack)
    shared = [f for m in slack.dm_messages(user) for f in (m.files or []) if f.get("name") == name]
    assert shared, f"no {name} in the DM of {user}"
    content = slack.file_content(shared[-1]["id"])
    assert content is not None
    return content.decode("utf-8-sig")


def eventually(check: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Wait (real time) for an effect the app brings about on threads of its own: an event's,
    handled after Slack's request is answered, or a scheduler pass's sender threads."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)
