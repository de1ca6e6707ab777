"""Small steps that tests take through the Slack surface."""

from __future__ import annotations

import json
from typing import Any

from bot.fakeslack.driver import Response, SlackDriver
from bot.fakeslack.server import FakeSlack
from tests.conftest import FAC, MEMBERS, SET_CHANNEL


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
    response = driver.submit_view(user, values=setup_values(**{**DEFAULTS, **fields}))
    if wait and response.status == 200 and not response.body.strip():
        # The confirmation is the last thing the app sends after the ack.
        slack.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == user)
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


def settle(slack: FakeSlack, quiet: float = 0.25, timeout: float = 5.0) -> None:
    """Wait until the app has stopped calling Slack (work it does after acking)."""
    import time

    deadline = time.monotonic() + timeout
    seen = len(slack.calls)
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now_seen = len(slack.calls)
        if now_seen != seen:
            seen, last_change = now_seen, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return
