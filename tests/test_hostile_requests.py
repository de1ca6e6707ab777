"""Hostile requests through the real WSGI app (``bot.web``, served over HTTP): verified before
anything parses them, ids bounded, a ballot redrawn only for the voter the bot opened it for.

Each test asserts the status Slack (or the attacker) gets, that nothing of anyone else changed,
and that the log holds no traceback and no ERROR line."""

from __future__ import annotations

import copy
import json
import logging
import time
import urllib.parse
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.handlers.ballot import NOT_YOURS
from bot.handlers.kit import STALE
from bot.ids import ActionId
from bot.services.access import ELSEWHERE, BallotSeal
from bot.storage.db import Database
from bot.web import MAX_BODY
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    ballot,
    create_set,
    forge_button,
    forge_selection,
    forge_submission,
    give_votes,
    last_response_text,
    settle,
)
from tests.test_agenda import allocations, four_topics_and_a_vote, topic_ids

A, B, C, D, E = MEMBERS
SECRET_WORDS = "my-private-words-7f3a"  # in bodies: must never reach the log


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    return caplog


def assert_clean(log: pytest.LogCaptureFixture) -> None:
    """No traceback, no ERROR line, no request content in the log."""
    for record in log.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
        assert "Traceback" not in record.getMessage()
        assert SECRET_WORDS not in record.getMessage()


def refusals(log: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in log.records if r.name == "bot.web"]


def form(payload: dict[str, Any]) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def event_envelope(slack: FakeSlack, **changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "token": "t",
        "team_id": slack.team_id,
        "api_app_id": slack.app_id,
        "type": "event_callback",
        "event_id": "Ev0001",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": A, "tab": "home", "text": SECRET_WORDS},
    }
    envelope.update(changes)
    return envelope


def send_signed(driver: SlackDriver, body: bytes, content_type: str = "application/json") -> Any:
    return driver.send_raw(body, {**driver.sign(body), "Content-Type": content_type})


# -- 1. verify before parsing ------------------------------------------------------------------
GOOD_EVENT = json.dumps({"type": "event_callback", "team_id": "T0", "event": {"type": "x"}})


def _unsigned_cases(driver: SlackDriver) -> dict[str, tuple[bytes, dict[str, str]]]:
    now = str(int(time.time()))
    body = GOOD_EVENT.encode()
    good = driver.sign(body)
    return {
        "no headers": (body, {}),
        "no signature": (body, {"X-Slack-Request-Timestamp": now}),
        "non-numeric timestamp": (body, {**good, "X-Slack-Request-Timestamp": "abc"}),
        "superscript digits": (body, {**good, "X-Slack-Request-Timestamp": "\u00b9\u00b2\u00b3"}),
        "huge timestamp": (body, {**good, "X-Slack-Request-Timestamp": "9" * 40}),
        "negative timestamp": (body, {**good, "X-Slack-Request-Timestamp": "-1"}),
        "stale timestamp": (body, driver.sign(body, timestamp=int(time.time()) - 600)),
        "wrong signature": (body, {**good, "X-Slack-Signature": "v0=" + "0" * 64}),
        "garbage signature": (body, {**good, "X-Slack-Signature": "v0=\u00e9"}),
        "payload=null": (b"payload=null", good),
        "invalid JSON": (b"{" + SECRET_WORDS.encode(), good),
        "invalid UTF-8": (b"\xff\xfe\xfd", good),
    }


def test_unsigned_or_badly_signed_requests_get_401_and_change_nothing(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    before = len(slack.calls)
    for name, (body, headers) in _unsigned_cases(driver).items():
        log.clear()
        response = driver.send_raw(body, headers)
        assert response.status == 401, name
        assert refusals(log) and len(refusals(log)) == 1, name
        assert_clean(log)
    settle(slack)
    assert slack.calls[before:] == []


SIGNED_GARBAGE = {
    "invalid UTF-8": (b"\xff\xfe" + SECRET_WORDS.encode(), "application/json"),
    "invalid JSON": (b'{"type": ' + SECRET_WORDS.encode(), "application/json"),
    "payload=null": (b"payload=null", "application/x-www-form-urlencoded"),
    "payload not JSON": (b"payload=%7Bnope", "application/x-www-form-urlencoded"),
    "payload a list": (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "JSON a string": (b'"hello"', "application/json"),
    "empty": (b"", "application/json"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "nested in an object": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
}


def test_signed_bodies_that_cannot_be_parsed_get_400(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    before = len(slack.calls)
    for name, (body, content_type) in SIGNED_GARBAGE.items():
        log.clear()
        assert send_signed(driver, body, content_type).status == 400, name
        assert len(refusals(log)) == 1, name
        assert_clean(log)
    settle(slack)
    assert slack.calls[before:] == []


ODD_ENVELOPES: dict[str, Any] = {
    "enterprise false": {"enterprise": False},
    "enterprise id a number": {"enterprise": {"id": 5}},
    "team a number": {"team_id": 12},
    "no workspace": {"team_id": None},
    "authorizations a string": {"authorizations": "x"},
    "authorizations of numbers": {"authorizations": [1]},
    "event a list": {"event": ["app_home_opened"]},
    "event user -1": {"event": {"type": "app_home_opened", "user": -1}},
    "event type a number": {"event": {"type": 7, "user": A}},
    "event without type": {"event": {"user": A}},
    "event channel a number": {"event": {"type": "app_home_opened", "user": A, "channel": 3}},
    "is_enterprise_install a list": {"is_enterprise_install": [True]},
    "a NUL character": {"event": {"type": "app_home_opened", "user": A, "tab": "home\x00"}},
}


def test_signed_events_with_odd_types_get_400(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    before = len(slack.calls)
    for name, changes in ODD_ENVELOPES.items():
        log.clear()
        body = json.dumps(event_envelope(slack, **changes)).encode()
        assert send_signed(driver, body).status == 400, name
        assert len(refusals(log)) == 1, name
        assert_clean(log)
    settle(slack)
    assert slack.calls[before:] == []


def _block_actions(slack: FakeSlack, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": A, "team_id": slack.team_id},
        "team": {"id": slack.team_id},
        "api_app_id": slack.app_id,
        "trigger_id": slack.new_trigger_id(A),
        "response_url": slack.new_response_url(channel_id=SET_CHANNEL, user_id=A),
        "actions": [{"action_id": ActionId.VOTE_OPEN.value, "value": "1", "type": "button"}],
    }
    payload.update(changes)
    return payload


ODD_INTERACTIONS: dict[str, Any] = {
    "user an id number": {"user": {"id": 3}},
    "no user": {"user": None},
    "team a number": {"team": 5},
    "actions a string": {"actions": "als_vote_open"},
    "action without action_id": {"actions": [{"value": "1"}]},
    "action_id a number": {"actions": [{"action_id": 5, "value": "1"}]},
    "value an object": {"actions": [{"action_id": "als_vote_open", "value": {"v": 1}}]},
    "selected value a number": {
        "actions": [{"action_id": "als_vote_topic_1", "selected_option": {"value": 2}}]
    },
    "view id a number": {"view": {"id": 7}},
    "view metadata an object": {"view": {"id": "V1", "private_metadata": {"v": 1}}},
    "response_url not a web address": {"response_url": "file:///etc/passwd"},
    "response_url a number": {"response_url": 5},
    "response_urls of strings": {"response_urls": ["https://x"]},
    "response_url with a space": {"response_url": "https://hooks.slack.com/a b"},
    "no trigger id": {"trigger_id": None},
    "view without a type": {"view": {"id": "V1"}},
    "state values a list": {"view": {"id": "V1", "type": "modal", "state": {"values": []}}},
    "state element a string": {
        "view": {"id": "V1", "type": "modal", "state": {"values": {"b": {"a": "x"}}}}
    },
    "state value a number": {
        "view": {"id": "V1", "type": "modal", "state": {"values": {"b": {"a": {"value": 3}}}}}
    },
    "state users not ids": {
        "view": {
            "id": "V1",
            "type": "modal",
            "state": {"values": {"b": {"a": {"selected_users": [{"id": "U1"}]}}}},
        }
    },
    "state option without a string value": {
        "view": {
            "id": "V1",
            "type": "modal",
            "state": {"values": {"b": {"a": {"selected_options": [{"value": 1}]}}}},
        }
    },
    "a NUL character": {"actions": [{"action_id": "als_vote_open", "value": "1\x00"}]},
    "a NUL character in a key": {"container": {"type\x00": "message"}},
    "a NUL character deep in a view": {
        "view": {"id": "V1", "type": "modal", "blocks": [{"text": {"text": "a\x00b"}}]}
    },
    "nested too deep": {"container": json.loads('{"a":' * 60 + "1" + "}" * 60)},
}


def test_signed_interactions_with_odd_types_get_400(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    before = len(slack.calls)
    for name, changes in ODD_INTERACTIONS.items():
        log.clear()
        body = form(_block_actions(slack, **changes))
        assert send_signed(driver, body, "application/x-www-form-urlencoded").status == 400, name
        assert len(refusals(log)) == 1, name
        assert_clean(log)
    settle(slack)
    assert slack.calls[before:] == []


def test_a_command_without_what_slack_always_sends_gets_400(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    complete = {
        "team_id": slack.team_id,
        "channel_id": SET_CHANNEL,
        "user_id": A,
        "command": "/als",
        "text": "help",
        "response_url": slack.new_response_url(channel_id=SET_CHANNEL, user_id=A),
        "trigger_id": slack.new_trigger_id(A),
    }
    for missing in ("user_id", "channel_id", "response_url", "trigger_id"):
        fields = {k: v for k, v in complete.items() if k != missing}
        body = urllib.parse.urlencode(fields).encode()
        assert send_signed(driver, body, "application/x-www-form-urlencoded").status == 400
    with_nul = urllib.parse.urlencode({**complete, "text": "topic\x00"}).encode()
    assert send_signed(driver, with_nul, "application/x-www-form-urlencoded").status == 400
    body = urllib.parse.urlencode(complete).encode()
    assert send_signed(driver, body, "application/x-www-form-urlencoded").status == 200
    assert_clean(log)


def test_a_ballot_seal_holds_only_for_its_workspace_voter_and_vote() -> None:
    seal = BallotSeal("secret-1")
    external_id = seal.new("T1", A, 7)
    assert len(external_id) <= 255  # Slack's limit for a view's external_id
    assert seal.opened_for(external_id, "T1", A, 7)
    assert seal.new("T1", A, 7) != external_id  # unique in the workspace, as Slack requires
    for team, user, vote in (("T2", A, 7), ("T1", B, 7), ("T1", A, 8)):
        assert not seal.opened_for(external_id, team, user, vote)
    assert not BallotSeal("secret-2").opened_for(external_id, "T1", A, 7)  # a rotated secret
    prefix, vote, nonce, mac = external_id.split("-")
    for forged in (
        f"{prefix}-{vote}-{'0' * len(nonce)}-{mac}",
        f"{prefix}-{vote}-{nonce}-{mac[:-1]}{'1' if mac[-1] == '0' else '0'}",
        f"{prefix}-{vote}-{nonce}-{mac}-x",
        f"{prefix}-{vote}-{nonce}-\u00e9{mac[1:]}",
        f"{prefix}-{vote}-{nonce}",
        "",
    ):
        assert not seal.opened_for(forged, "T1", A, 7), forged


def test_unknown_buttons_and_forms_are_answered_not_404(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    """A button or a form the app no longer has (an old message, a forged action id): the
    click gets the stale-button answer, the form is closed; Bolt alone would answer 404."""
    answers = len(slack.calls_to("response_url"))
    response = forge_button(
        driver, slack, A, SET_CHANNEL, "1700000000.000100", "als_no_such_button", "1"
    )
    assert response.status == 200
    slack.wait_for("response_url", count=answers + 1)
    assert last_response_text(slack).startswith(STALE)
    response = forge_submission(driver, slack, A, "als_no_such_form", {}, view_id="V0OLDFORM1")
    assert response.status == 200 and response.body.strip() == ""
    settle(slack)
    assert_clean(log)


def test_an_oversized_body_gets_413_unread(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    body = b'{"type": "event_callback", "x": "' + b"a" * MAX_BODY + b'"}'
    assert send_signed(driver, body).status == 413
    assert len(refusals(log)) == 1
    assert_clean(log)


def test_well_formed_requests_still_pass(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    """The front door lets Slack's real requests through: a command, an event, the URL
    check, and an event the manifest does not subscribe to (200, dropped)."""
    assert driver.command(FAC, "help", channel_id=SET_CHANNEL).status == 200
    assert driver.app_home_opened(A).status == 200
    check = driver.url_verification("abc")
    assert check.status == 200 and "abc" in check.body
    assert driver.event({"type": "reaction_added", "user": A}).status == 200
    settle(slack)
    assert refusals(log) == []
    assert_clean(log)


# -- 2. bounded ids ------------------------------------------------------------------------------
MALFORMED_IDS = [
    "①",
    "²",
    "٣",  # Arabic-Indic three: isdigit() and int() accept it
    "9" * 5000,
    str(2**31),
    str(2**63),
    str(2**64 + 1),
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "",
    "null",
    SECRET_WORDS,
]


def test_malformed_ids_in_buttons_get_the_stale_answer(
    driver: SlackDriver, slack: FakeSlack, log: pytest.LogCaptureFixture
) -> None:
    for value in MALFORMED_IDS:
        answers = len(slack.calls_to("response_url"))
        response = forge_button(
            driver, slack, A, SET_CHANNEL, "1700000000.000100", ActionId.VOTE_OPEN, value
        )
        assert response.status == 200, value[:20]
        slack.wait_for("response_url", count=answers + 1)
        assert last_response_text(slack).startswith(STALE), value[:20]
    # The largest id the database holds (PostgreSQL's integer) is well formed: it reaches the
    # service, which finds nothing (on both databases: no overflow).
    for value in (str(2**31 - 1), "0", "0000000001"):
        answers = len(slack.calls_to("response_url"))
        forge_button(driver, slack, A, SET_CHANNEL, "1700000000.000100", ActionId.VOTE_OPEN, value)
        slack.wait_for("response_url", count=answers + 1)
        assert "no longer exists" in last_response_text(slack), value
    settle(slack)
    assert slack.calls_to("views.open") == []
    assert_clean(log)


DAMAGED_METADATA = [
    '{"v": 1e400, "r": 0}',
    '{"v": 1.5, "r": 0}',
    '{"v": "1", "r": 0}',
    '{"v": -1, "r": 0}',
    '{"v": true, "r": 0}',
    f'{{"v": {2**31}, "r": 0}}',
    f'{{"v": {2**63}, "r": 0}}',
    '{"v": 1}',
    "null",
    "[1, 0]",
    '{"v": 1, "r": 0',
    "",
]


def dms_to(slack: FakeSlack, user: str) -> list[str]:
    return [
        str(c.args.get("text"))
        for c in slack.calls_to("chat.postMessage")
        if c.args.get("channel") == user
    ]


def next_dms(slack: FakeSlack, user: str, told: int) -> list[str]:
    """The DMs ``user`` got after the first ``told``, once at least one has arrived."""
    deadline = time.monotonic() + 5
    while len(dms_to(slack, user)) == told and time.monotonic() < deadline:
        time.sleep(0.02)
    return dms_to(slack, user)[told:]


def test_damaged_ballot_metadata_gets_the_stale_answer(
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
    log: pytest.LogCaptureFixture,
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    modal = ballot(driver, slack, E, message)
    updates = len(slack.calls_to("views.update"))
    for metadata in DAMAGED_METADATA:
        told = len(dms_to(slack, E))
        damaged = {**copy.deepcopy(modal), "private_metadata": metadata}
        response = forge_selection(driver, slack, E, damaged, f"als_vote_topic_{ids[A]}", "1")
        assert response.status == 200, metadata
        assert next_dms(slack, E, told) == [STALE], metadata
    # Malformed topic ids and counts in the select, with good metadata.
    for action_id, value in (
        (f"als_vote_topic_{'9' * 30}", "1"),
        (f"als_vote_topic_{ids[A]}", "①"),
    ):
        told = len(dms_to(slack, E))
        forge_selection(driver, slack, E, modal, action_id, value)
        assert next_dms(slack, E, told) == [STALE]
    settle(slack)
    assert len(slack.calls_to("views.update")) == updates
    assert allocations(db) == {}
    assert_clean(log)


# -- 3. a ballot redrawn only for its voter ---------------------------------------------------
def test_a_click_naming_another_members_ballot_redraws_nothing(
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
    log: pytest.LogCaptureFixture,
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    mine = ballot(driver, slack, A, message)
    theirs = ballot(driver, slack, E, message)
    give_votes(driver, slack, E, ids[B], 1)
    theirs = slack.open_views(E)[-1]
    updates = len(slack.calls_to("views.update"))
    before = allocations(db)

    # A sends E's ballot as their own (view id, external id, metadata: all E's).
    told = len(dms_to(slack, A))
    response = forge_selection(driver, slack, A, theirs, f"als_vote_topic_{ids[C]}", "1")
    assert response.status == 200
    assert next_dms(slack, A, told) == [NOT_YOURS]
    settle(slack)
    assert slack.open_views(E)[-1] == theirs  # E's ballot untouched
    assert len(slack.calls_to("views.update")) == updates
    assert allocations(db) == before  # nothing counted

    # E's view id with A's own external id: only A's ballot (the bot's record) is redrawn.
    mixed = {**copy.deepcopy(theirs), "external_id": mine["external_id"]}
    forge_selection(driver, slack, A, mixed, f"als_vote_topic_{ids[C]}", "1")
    slack.wait_for("views.update", count=updates + 1)
    settle(slack)
    assert slack.open_views(E)[-1] == theirs
    update = slack.calls_to("views.update")[-1]
    assert "view_id" not in update.args and update.args["external_id"] == mine["external_id"]
    assert slack.view_owner(update.response["view"]["id"]) == A
    assert allocations(db) == {**before, (A, ids[C]): 1}

    # A view the bot never opened (no external id: stale), or an external id it never gave
    # A, is refused too.
    for claimed, answer in (("", STALE), ("ballot-1-forged", NOT_YOURS)):
        told = len(dms_to(slack, A))
        forged = {**copy.deepcopy(mine), "external_id": claimed}
        forge_selection(driver, slack, A, forged, f"als_vote_topic_{ids[D]}", "1")
        assert next_dms(slack, A, told) == [answer]
    assert (A, ids[D]) not in allocations(db)
    assert_clean(log)


def test_a_ballot_closed_right_after_a_click_is_not_an_error(
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
    log: pytest.LogCaptureFixture,
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    modal = ballot(driver, slack, E, message)
    slack.close_views(E, modal["id"])  # the voter closed it before the redraw arrived
    updates = len(slack.calls_to("views.update"))
    assert forge_selection(driver, slack, E, modal, f"als_vote_topic_{ids[A]}", "1").status == 200
    slack.wait_for("views.update", count=updates + 1)
    settle(slack)
    assert slack.calls_to("views.update")[-1].response["error"] == "not_found"
    assert allocations(db) == {(E, ids[A]): 1}  # the vote counted
    assert not [c for c in slack.calls_to("response_url") if "went wrong" in str(c.args)]
    assert not [t for t in dms_to(slack, E) if "went wrong" in t]
    assert_clean(log)


# -- also: set-up in a channel another workspace's set meets in ---------------------------------
def test_setup_from_another_workspace_in_a_shared_channel_is_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database, log: pytest.LogCaptureFixture
) -> None:
    create_set(driver, slack)
    opened = len(slack.calls_to("views.open"))
    answers = len(slack.calls_to("response_url"))
    fields = {
        "token": "t",
        "team_id": "T0OTHERWS1",  # the same (shared) channel, seen from another workspace
        "team_domain": "other",
        "channel_id": SET_CHANNEL,
        "channel_name": "als-set",
        "user_id": OUTSIDER,
        "user_name": "olly",
        "command": "/als",
        "text": "setup",
        "api_app_id": slack.app_id,
        "response_url": slack.new_response_url(channel_id=SET_CHANNEL, user_id=OUTSIDER),
        "trigger_id": slack.new_trigger_id(OUTSIDER),
    }
    body = urllib.parse.urlencode(fields).encode()
    assert send_signed(driver, body, "application/x-www-form-urlencoded").status == 200
    slack.wait_for("response_url", count=answers + 1)
    settle(slack)
    assert last_response_text(slack).startswith(ELSEWHERE)
    assert len(slack.calls_to("views.open")) == opened
    # In the set's own workspace, its facilitator still edits it.
    assert driver.command(FAC, "setup", channel_id=SET_CHANNEL).status == 200
    slack.wait_for("views.open", count=opened + 1)
    assert "Leaders' set" in json.dumps(slack.open_views(FAC)[-1])
    assert_clean(log)
