"""The set-up form in two parts (issue 15, point 3): the essentials first, the other settings
under "More settings"; the time zone from a list; people only; every error in one round."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.fakeslack.driver import Response, SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import LearningSet
from tests.conftest import FAC, MEMBERS, ROBOT
from tests.helpers import (
    create_set,
    field_errors,
    forge_view_action,
    more_settings,
    open_setup,
    settle,
    setup_values,
    texts,
)

ESSENTIALS = [
    "name",
    "facilitator",
    "members",
    "timezone",
    "first_date",
    "first_time",
    "cadence",
    "length",
    "place",
]
#: The inputs a person may leave empty (the only ones Slack marks "(optional)").
TRULY_OPTIONAL = {
    "place",
    "programme_sessions",
    "programme_ends_on",
    "prep_days",
    "nudge_days",
    "report_days",
    "post_minutes",
    "reflection_minutes",
    "notice_hours",
    "min_members",
    "quorum_days",
    "stages",  # empty: the default template
}


def click_in_view(
    driver: SlackDriver, slack: FakeSlack, user: str, view: dict[str, Any], action_id: str
) -> Response:
    """A signed ``block_actions`` from a button in ``view`` as the payload claims it."""
    action = {"action_id": action_id, "block_id": "more", "type": "button", "value": "more"}
    return forge_view_action(driver, slack, user, view, action)


def inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "input"]


def the_set(db: Database) -> LearningSet:
    with db.read() as s:
        return s.scalars(select(LearningSet)).one()


def test_the_form_opens_on_the_essentials_with_the_rest_summed_up(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    slack.update_user(FAC, tz="Asia/Kolkata")
    view = open_setup(driver, slack)
    assert [b["block_id"] for b in inputs(view)] == ESSENTIALS
    shown = texts(view["blocks"])
    assert "More settings" in shown and "3 votes per member" in shown
    assert "the standard six" in shown
    # The zone is chosen from the list, the facilitator's own preselected.
    zone = inputs(view)[3]["element"]
    assert zone["type"] == "static_select" and "options" not in zone
    assert zone["initial_option"]["value"] == "Asia/Kolkata"
    listed = [o["value"] for g in zone["option_groups"] for o in g["options"]]
    assert {"Europe/London", "America/New_York", "Australia/Sydney", "UTC"} <= set(listed)
    assert all(len(g["options"]) <= 100 for g in zone["option_groups"])


def test_more_settings_shows_the_rest_with_defaults_and_no_yes_no_is_optional(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    open_setup(driver, slack)
    view = more_settings(driver, slack)
    blocks = {b["block_id"]: b for b in inputs(view)}
    assert list(blocks)[: len(ESSENTIALS)] == ESSENTIALS  # the essentials stay first
    assert blocks["budget"]["element"]["initial_value"] == "3"
    assert blocks["prep_days"]["element"]["initial_value"] == "7"
    for radio in ("participates", "self_vote", "auto_vote"):
        element = blocks[radio]["element"]
        assert element["type"] == "radio_buttons" and element["initial_option"], radio
    optional = {bid for bid, b in blocks.items() if b.get("optional")}
    assert optional == TRULY_OPTIONAL
    assert "als_setup_more" not in json.dumps(view)


def test_a_set_made_from_the_essentials_takes_the_defaults(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    assert field_errors(create_set(driver, slack, timezone="Europe/Berlin")) is None
    lset = the_set(db)
    assert lset.timezone == "Europe/Berlin"
    assert lset.settings["budget"] == 3 and lset.settings["reminders"]["prep_days"] == 7
    assert lset.ground_rules.startswith("1. Confidentiality")


def test_saving_the_essentials_keeps_the_other_settings_as_they_are(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack, budget="5", cap="3", ground_rules="Our own rules.", prep_days="4")
    before = the_set(db)
    open_setup(driver, slack)
    slack.reset_calls()
    response = driver.submit_view(FAC, values=setup_values(name="Renamed"))
    assert field_errors(response) is None
    settle(slack)
    after = the_set(db)
    assert after.name == "Renamed"
    assert after.settings == before.settings
    assert (after.ground_rules, after.rules_version) == ("Our own rules.", before.rules_version)
    asked = [c for c in slack.calls_to("chat.postMessage") if "agree" in json.dumps(c.args)]
    assert asked == [], "unchanged ground rules are not sent for agreement again"


def test_every_error_comes_back_in_one_round(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    """A past date is reported along with everything else wrong, not after it is fixed."""
    open_setup(driver, slack)
    values = setup_values(name=" ", members=[], first_date="2026-11-01", length="10")
    errors = field_errors(driver.submit_view(FAC, values=values)) or {}
    assert set(errors) == {"name", "members", "first_date", "length"}
    assert "in the past" in errors["first_date"]


def test_bots_and_the_app_itself_are_named_and_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    open_setup(driver, slack)
    values = setup_values(
        name="S", members=[*MEMBERS[:3], ROBOT, slack.bot_user_id], first_date="2026-12-07"
    )
    errors = field_errors(driver.submit_view(FAC, values=values)) or {}
    assert "Some Bot is a bot" in errors["members"], errors
    assert "als-bot is this app, not a person" in errors["members"], errors
    values = setup_values(name="S", members=MEMBERS, first_date="2026-12-07", facilitator=ROBOT)
    assert (
        "Some Bot is a bot"
        in (field_errors(driver.submit_view(FAC, values=values)) or {})["facilitator"]
    )
    with db.read() as s:
        assert s.scalars(select(LearningSet)).first() is None


def test_an_error_about_a_hidden_setting_is_shown_where_it_can_be_fixed(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    """Long rounds set under More settings, then a short session from the essentials: the
    error is on the length (the rounds' fields are not on the form), and says where they are."""
    create_set(driver, slack, opening="60", closing="30", length="180")
    open_setup(driver, slack)
    errors = field_errors(driver.submit_view(FAC, values=setup_values(length="90"))) or {}
    assert list(errors) == ["length"], errors
    assert "(under More settings)" in errors["length"]
    assert the_set(db).session_minutes == 180


def test_more_settings_only_for_the_modal_the_bot_opened_for_that_person(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    """The click names its modal (a claim): another person's set-up modal, or one whose
    external id the bot did not make, is not redrawn."""
    view = open_setup(driver, slack)
    for user, external_id in (
        (MEMBERS[0], view["external_id"]),  # FAC's modal, clicked as someone else
        (FAC, "setup-0-0123456789abcdef-" + "0" * 32),  # made up
    ):
        updates = len(slack.calls_to("views.update"))
        told = len(slack.calls_to("chat.postMessage"))
        forged = {**view, "external_id": external_id}
        response = click_in_view(driver, slack, user, forged, "als_setup_more")
        assert response.status == 200
        slack.wait_for("chat.postMessage", count=told + 1)
        assert "out of date" in slack.calls_to("chat.postMessage")[-1].args["text"]
        assert len(slack.calls_to("views.update")) == updates
