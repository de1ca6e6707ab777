"""When Slack fails, users get a clear answer and Slack never gets a 500; logs carry no user text."""

from __future__ import annotations

import logging

import pytest

from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.logs import NoPayloadFilter
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import create_set, field_errors, last_response_text, open_setup, setup_values


def test_slack_failure_after_ack_is_told_to_the_user(driver: SlackDriver, slack: FakeSlack) -> None:
    slack.inject_error("views.open", "internal_error")
    response = driver.command(FAC, "setup", channel_id=SET_CHANNEL)
    assert response.status == 200
    slack.wait_for("response_url")
    assert "something went wrong on my side" in last_response_text(slack)


def test_failure_before_ack_in_a_modal_keeps_the_input(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    open_setup(driver, slack)
    slack.inject_error("conversations.info", "internal_error")
    values = setup_values(name="Kept", members=MEMBERS, first_date="2026-12-07")
    errors = field_errors(driver.submit_view(FAC, values=values))  # HTTP 200, not 500
    assert errors is not None and "nothing was saved" in errors["name"]
    assert slack.open_views(FAC), "the modal stays open with what the user typed"
    # Retrying works.
    assert field_errors(driver.submit_view(FAC, values=values)) is None


def test_users_info_answers_are_cached(driver: SlackDriver, slack: FakeSlack) -> None:
    open_setup(driver, slack)
    bad = setup_values(name="S", members=MEMBERS, first_date="2020-01-01")
    assert field_errors(driver.submit_view(FAC, values=bad))
    assert (
        field_errors(
            driver.submit_view(
                FAC, values=setup_values(name="S", members=MEMBERS, first_date="2026-12-07")
            )
        )
        is None
    )
    looked_up = [c.args.get("user") for c in slack.calls_to("users.info")]
    assert sorted(looked_up) == sorted({FAC, *MEMBERS}), looked_up


def test_no_user_content_in_logs(
    driver: SlackDriver, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Zebra-confidential-8841"
    caplog.set_level(logging.DEBUG)
    handler_filter = NoPayloadFilter()
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).addFilter(handler_filter)
    try:
        create_set(driver, slack, name=secret, ground_rules=f"Rule {secret}")
        slack.inject_error("chat.postMessage", "internal_error")
        dm = slack.dm_messages(MEMBERS[0])[0]
        driver.click(MEMBERS[0], "als_agree_rules", channel_id=dm.channel, message_ts=dm.ts)
        driver.event({"type": "reaction_added", "user": FAC, "reaction": secret})  # unhandled
        driver.command(FAC, f"nonsense {secret}", channel_id=SET_CHANNEL)
        slack.wait_for("response_url")
    finally:
        for name in ("slack_bolt", "slack_sdk"):
            logging.getLogger(name).removeFilter(handler_filter)
    logged = "\n".join(r.getMessage() for r in caplog.records if handler_filter.filter(r))
    assert secret not in logged


def test_the_payload_filter_scrubs_slack_library_records() -> None:
    record = logging.LogRecord(
        "slack_bolt.App",
        logging.WARNING,
        __file__,
        1,
        "Unhandled request ({'x': %s})",
        ("secret",),
        None,
    )
    assert NoPayloadFilter().filter(record)
    assert "secret" not in record.getMessage()
    debug = logging.LogRecord(
        "slack_sdk.web", logging.DEBUG, __file__, 1, "Sending a request %s", ("secret",), None
    )
    assert not NoPayloadFilter().filter(debug)
    ours = logging.LogRecord("bot.handlers", logging.INFO, __file__, 1, "fine", (), None)
    assert NoPayloadFilter().filter(ours)


def test_rejected_blocks_would_fail_a_test(driver: SlackDriver, slack: FakeSlack) -> None:
    """Every message and view the app sent so far passed the fake's Block Kit checks."""
    create_set(driver, slack)
    failed = [c for c in slack.calls if not c.response.get("ok", True)]
    assert failed == []


def test_failure_right_after_ack_in_a_button_is_still_a_200(
    driver: SlackDriver, slack: FakeSlack, clock: ManualClock
) -> None:
    from tests.helpers import open_vote, submit_topic
    from tests.test_agenda import SESSION_1

    create_set(driver, slack)
    for author in MEMBERS[:4]:
        submit_topic(driver, slack, author, "T")
    clock.set(SESSION_1)
    message = open_vote(driver, slack)
    for _ in range(5):  # the race Bolt's runner has with a listener raising after ack()
        slack.inject_error("views.open", "internal_error")
        response = driver.click(
            MEMBERS[4], "als_vote_open", channel_id=SET_CHANNEL, message_ts=message.ts
        )
        assert response.status == 200
    slack.wait_for("response_url", lambda c: "went wrong" in c.args.get("text", ""), count=5)


def test_slack_gets_its_answer_as_soon_as_the_listener_acks(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    """The ack is not held back by the work after it: with the modal's ``views.open`` held in
    flight, ``/als setup`` has already been answered (200); releasing it opens the modal."""
    held = slack.hold("views.open")
    response = driver.command(FAC, "setup", channel_id=SET_CHANNEL)
    assert response.status == 200
    held.wait_arrived(timeout=5)
    assert held.pending, "views.open should still be in flight when Slack got its answer"
    held.release()
    slack.wait_for("views.open", count=1)
    assert slack.open_views(FAC), "the set-up modal opens once the call goes through"
