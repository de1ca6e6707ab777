"""views.* methods: triggers, validation, stacks, updates and Home tabs."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.fakeslack import FakeSlack
from tests.fakeslack.conftest import ALICE, BOB, FakeClock


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def modal(title: str = "Title", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": pt(title),
        "submit": pt("Save"),
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": pt("Name"),
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
        ],
        **extra,
    }


def home(text: str = "Welcome") -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return dict(info.value.response.data)  # type: ignore[arg-type]


def test_views_open(slack: FakeSlack, client: WebClient) -> None:
    trigger = slack.new_trigger_id(ALICE)
    view = client.views_open(
        trigger_id=trigger, view=modal(callback_id="cb", private_metadata="42")
    )["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["callback_id"] == "cb" and view["private_metadata"] == "42"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["state"] == {"values": {}}
    [opened] = slack.open_views(ALICE)
    assert opened["id"] == view["id"]
    assert slack.view(view["id"]) == opened
    assert slack.open_views(BOB) == []
    assert slack.calls_to("views.open")[0].args["view"]["type"] == "modal"


def test_trigger_is_single_use(slack: FakeSlack, client: WebClient) -> None:
    trigger = slack.new_trigger_id(ALICE)
    client.views_open(trigger_id=trigger, view=modal())
    assert error_of(client.views_open, trigger_id=trigger, view=modal())["error"] == (
        "exchanged_trigger_id"
    )


def test_trigger_expires_after_three_seconds(
    slack: FakeSlack, client: WebClient, clock: FakeClock
) -> None:
    fresh = slack.new_trigger_id(ALICE)
    stale = slack.new_trigger_id(ALICE)
    clock.advance(2.9)
    client.views_open(trigger_id=fresh, view=modal())
    clock.advance(0.2)
    assert error_of(client.views_open, trigger_id=stale, view=modal())["error"] == (
        "expired_trigger_id"
    )


def test_unknown_trigger(client: WebClient) -> None:
    assert error_of(client.views_open, trigger_id="123.456.abc", view=modal())["error"] == (
        "invalid_trigger_id"
    )


def test_invalid_view_is_rejected_without_using_the_trigger(
    slack: FakeSlack, client: WebClient
) -> None:
    trigger = slack.new_trigger_id(ALICE)
    err = error_of(client.views_open, trigger_id=trigger, view=modal(title="x" * 30))
    assert err["error"] == "invalid_arguments"
    assert any("[json-pointer:/view/title/text]" in m for m in err["response_metadata"]["messages"])
    no_submit = modal()
    del no_submit["submit"]
    err = error_of(client.views_open, trigger_id=trigger, view=no_submit)
    assert err["error"] == "invalid_arguments"
    client.views_open(trigger_id=trigger, view=modal())  # trigger still usable
    assert (
        error_of(client.views_open, trigger_id=slack.new_trigger_id(ALICE), view=home())["error"]
        == "invalid_arguments"
    )


def test_views_push_and_limit(slack: FakeSlack, client: WebClient) -> None:
    root = client.views_open(trigger_id=slack.new_trigger_id(ALICE), view=modal("One"))["view"]
    second = client.views_push(trigger_id=slack.new_trigger_id(ALICE), view=modal("Two"))["view"]
    assert second["previous_view_id"] == root["id"] and second["root_view_id"] == root["id"]
    client.views_push(trigger_id=slack.new_trigger_id(ALICE), view=modal("Three"))
    assert [v["title"]["text"] for v in slack.open_views(ALICE)] == ["One", "Two", "Three"]
    assert (
        error_of(client.views_push, trigger_id=slack.new_trigger_id(ALICE), view=modal("Four"))[
            "error"
        ]
        == "push_limit_reached"
    )


def test_views_update(slack: FakeSlack, client: WebClient) -> None:
    view = client.views_open(
        trigger_id=slack.new_trigger_id(ALICE), view=modal(external_id="ext-1")
    )["view"]
    updated = client.views_update(
        view_id=view["id"], hash=view["hash"], view=modal("Second", external_id="ext-1")
    )["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    assert slack.open_views(ALICE)[0]["title"]["text"] == "Second"
    by_ext = client.views_update(external_id="ext-1", view=modal("Third", external_id="ext-1"))
    assert by_ext["view"]["title"]["text"] == "Third"
    assert (
        error_of(client.views_update, view_id=view["id"], hash=view["hash"], view=modal())["error"]
        == "hash_conflict"
    )
    assert error_of(client.views_update, view_id="V0NOPE", view=modal())["error"] == "not_found"
    assert (
        error_of(client.views_update, view_id=view["id"], view=modal(title="x" * 25))["error"]
        == "invalid_arguments"
    )


def test_views_update_of_a_closed_modal_is_not_found(slack: FakeSlack, client: WebClient) -> None:
    """Slack answers ``not_found`` once the user has closed the modal (slackapi/bolt-js#1309)."""
    view = client.views_open(
        trigger_id=slack.new_trigger_id(ALICE), view=modal(external_id="ext-closed")
    )["view"]
    slack.close_views(ALICE, view["id"])
    assert error_of(client.views_update, view_id=view["id"], view=modal())["error"] == "not_found"
    assert (
        error_of(
            client.views_update, external_id="ext-closed", view=modal(external_id="ext-closed")
        )["error"]
        == "not_found"
    )


def test_duplicate_external_id(slack: FakeSlack, client: WebClient) -> None:
    client.views_open(trigger_id=slack.new_trigger_id(ALICE), view=modal(external_id="same"))
    assert (
        error_of(
            client.views_open, trigger_id=slack.new_trigger_id(BOB), view=modal(external_id="same")
        )["error"]
        == "duplicate_external_id"
    )


def test_views_publish(slack: FakeSlack, client: WebClient) -> None:
    first = client.views_publish(user_id=ALICE, view=home("v1"))["view"]
    assert first["type"] == "home"
    again = client.views_publish(user_id=ALICE, view=home("v2"))["view"]
    assert again["id"] == first["id"]
    stored = slack.home_view(ALICE)
    assert stored is not None and stored["blocks"][0]["text"]["text"] == "v2"
    assert slack.home_view(BOB) is None
    assert error_of(client.views_publish, user_id=ALICE, view=modal())["error"] == (
        "invalid_arguments"
    )
    assert error_of(client.views_publish, user_id="U0NOBODY01", view=home())["error"] == (
        "user_not_found"
    )
    assert (
        error_of(client.views_publish, user_id=ALICE, hash="stale", view=home())["error"]
        == "hash_conflict"
    )
    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert error_of(client.views_publish, user_id=ALICE, view=too_many)["error"] == (
        "invalid_arguments"
    )


def test_view_submission_responses_apply_to_the_stack(slack: FakeSlack, client: WebClient) -> None:
    one = client.views_open(trigger_id=slack.new_trigger_id(ALICE), view=modal("One"))["view"]
    assert (
        slack.apply_view_submission_response(
            ALICE, one["id"], {"response_action": "errors", "errors": {"name": "Required"}}
        )
        == []
    )
    assert slack.apply_view_submission_response(
        ALICE, one["id"], {"response_action": "errors", "errors": {"nope": "x"}}
    ) == ["errors key 'nope' is not the block_id of an input block"]
    assert (
        slack.apply_view_submission_response(
            ALICE, one["id"], {"response_action": "push", "view": modal("Two")}
        )
        == []
    )
    assert len(slack.open_views(ALICE)) == 2
    two = slack.open_views(ALICE)[-1]
    assert (
        slack.apply_view_submission_response(
            ALICE, two["id"], {"response_action": "update", "view": modal("Two bis")}
        )
        == []
    )
    assert slack.open_views(ALICE)[-1]["title"]["text"] == "Two bis"
    assert slack.apply_view_submission_response(ALICE, two["id"], None) == []
    assert [v["id"] for v in slack.open_views(ALICE)] == [one["id"]]
    bad = slack.apply_view_submission_response(
        ALICE, one["id"], {"response_action": "update", "view": modal("x" * 40)}
    )
    assert bad and "/view/title/text" in bad[0]
    assert (
        slack.apply_view_submission_response(ALICE, one["id"], {"response_action": "clear"}) == []
    )
    assert slack.open_views(ALICE) == []
