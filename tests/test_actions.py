"""The action-learning loop, end to end through the Slack surface: commit actions on the agenda,
``/als actions``, report back, the report-back round, the learning log and the Home tab."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import Action, ActionReport, LogEntry, Topic
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import (
    create_set,
    field_errors,
    forge_button,
    last_response_text,
    settle,
    submit_topic,
    texts,
)

A, B, C, D, E = MEMBERS
SESSION_1 = datetime(2026, 12, 7, 10, 5, tzinfo=UTC)
SESSION_2 = datetime(2027, 1, 4, 10, 5, tzinfo=UTC)


# -- helpers --------------------------------------------------------------------------------
def confirmed_agenda(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> tuple[Any, dict[str, int]]:
    """Session 1: four topics, the vote closes without votes (A, B and C chosen by the
    tie-break: earliest submission), the facilitator confirms. Returns the agenda message."""
    create_set(driver, slack)
    for author in (A, B, C, D):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(SESSION_1)
    assert driver.command(FAC, "agenda", channel_id=SET_CHANNEL).status == 200
    settle(slack)
    message = slack.messages(SET_CHANNEL)[-1]
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    with db.read() as s:
        ids = {t.author_id: t.id for t in s.scalars(select(Topic))}
    return slack.message(SET_CHANNEL, message.ts), ids


def open_commit(
    driver: SlackDriver, slack: FakeSlack, user: str, agenda: Any, topic_id: int
) -> dict[str, Any]:
    before = len(slack.calls_to("views.open"))
    driver.click(
        user, "als_commit_open", channel_id=SET_CHANNEL, message_ts=agenda.ts, value=str(topic_id)
    )
    slack.wait_for("views.open", count=before + 1)
    return slack.open_views(user)[-1]


def commit_values(
    actions: list[tuple[str, str | None]], *, shared: bool = True, note: str = ""
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for i in range(5):
        text, target = actions[i] if i < len(actions) else ("", None)
        values[f"action_{i}"] = {"input": text}
        values[f"target_{i}"] = {"input": target}
    values["sharing"] = {"sharing_input": "shared" if shared else "private"}
    values["note"] = {"note_input": note}
    return values


def report_values(status: str, happened: str, learned: str = "") -> dict[str, dict[str, Any]]:
    return {
        "status": {"status_input": status},
        "happened": {"happened_input": happened},
        "learned": {"learned_input": learned},
    }


def actions_of(db: Database, owner: str) -> list[Action]:
    with db.read() as s:
        return list(
            s.scalars(
                select(Action)
                .where(Action.owner_id == owner)
                .order_by(Action.commitment_id, Action.position)
            )
        )


def command_answer(
    driver: SlackDriver, slack: FakeSlack, user: str, text: str, channel: str = SET_CHANNEL
) -> Any:
    """Run a command; return the ephemeral answer it produced (through its response URL)."""
    before = len(slack.calls_to("response_url"))
    assert driver.command(user, text, channel_id=channel).status == 200
    slack.wait_for("response_url", count=before + 1)
    return slack.ephemerals(channel, user)[-1]


def last_text(driver: SlackDriver, slack: FakeSlack, user: str, text: str) -> str:
    """Run a command; the text of its ephemeral answer."""
    command_answer(driver, slack, user, text)
    return last_response_text(slack)


def thread_replies(slack: FakeSlack, ts: str) -> list[Any]:
    return [m for m in slack.messages(SET_CHANNEL) if m.thread_ts == ts and m.ts != ts]


def everything_others_see(slack: FakeSlack, owner: str) -> str:
    """All text in the channel, in other members' DMs and ephemerals, and on others' Home tabs."""
    parts = [json.dumps(m.blocks) + m.text for m in slack.messages(SET_CHANNEL)]
    for user in [FAC, *MEMBERS]:
        if user == owner:
            continue
        parts += [json.dumps(m.blocks) + m.text for m in slack.dm_messages(user)]
        parts += [json.dumps(e.blocks) + e.text for e in slack.ephemerals(user_id=user)]
        parts.append(json.dumps(slack.home_view(user)))
    return "\n".join(parts)


def wait_home(slack: FakeSlack, user: str, needle: str, timeout: float = 5.0) -> str:
    """The user's Home tab once it shows ``needle`` (it is republished after the ack)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        home = texts((slack.home_view(user) or {}).get("blocks"))
        if needle in home or time.monotonic() > deadline:
            return home
        time.sleep(0.05)


# -- the loop -------------------------------------------------------------------------------
def test_full_loop_commit_list_report_and_the_report_back_round(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    assert "Commit actions" in texts(agenda.blocks)

    # Someone else's topic: an ephemeral explanation, no modal.
    before = len(slack.calls_to("views.open"))
    driver.click(
        E, "als_commit_open", channel_id=SET_CHANNEL, message_ts=agenda.ts, value=str(ids[A])
    )
    settle(slack)
    assert "can commit actions for it" in last_response_text(slack)
    assert len(slack.calls_to("views.open")) == before

    # A commits: field errors first (nothing saved), then two shared actions.
    open_commit(driver, slack, A, agenda, ids[A])
    response = driver.submit_view(A, values=commit_values([("", None), ("", "2026-12-20")]))
    assert set(field_errors(response) or {}) == {"action_0", "action_1"}
    response = driver.submit_view(A, values=commit_values([("Talk to both leads", "2026-12-01")]))
    assert "not in the past" in (field_errors(response) or {}).get("target_0", "")
    assert actions_of(db, A) == []
    dms = len(slack.dm_messages(A))
    response = driver.submit_view(
        A,
        values=commit_values(
            [
                ("Talk to both leads <!channel>", "2026-12-20"),
                ("Write down my own priorities", None),
            ],
            note="NOTE-A: the question about fear helped",
        ),
    )
    assert response.status == 200 and not field_errors(response)
    settle(slack)
    assert len(slack.dm_messages(A)) == dms + 1
    confirmation = texts(slack.dm_messages(A)[-1].blocks)
    assert "Talk to both leads" in confirmation and "The set sees these actions" in confirmation
    line = thread_replies(slack, agenda.ts)
    assert len(line) == 1 and "committed to 2 actions" in texts(line[0].blocks)
    assert "<!channel>" not in json.dumps(line[0].blocks)  # escaped: no ping
    assert "Write down my own priorities" in texts(line[0].blocks)

    # B commits one private action with a private note.
    open_commit(driver, slack, B, agenda, ids[B])
    response = driver.submit_view(
        B,
        values=commit_values(
            [("PRIVATE-ACTION-B call my mentor", None)], shared=False, note="NOTE-B"
        ),
    )
    assert response.status == 200 and not field_errors(response)
    settle(slack)
    assert len(thread_replies(slack, agenda.ts)) == 1  # private: no line in the channel

    # Reopening the button edits the same commitment (prefilled).
    modal = open_commit(driver, slack, A, agenda, ids[A])
    assert "Talk to both leads" in json.dumps(modal) and "NOTE-A" in json.dumps(modal)
    driver.close_view(A)

    # /als actions: the caller's open actions with buttons; others see their own.
    listing = command_answer(driver, slack, A, "actions")
    assert "Talk to both leads" in texts(listing.blocks) and "not reported yet" in texts(
        listing.blocks
    )
    assert "PRIVATE-ACTION-B" not in texts(listing.blocks)
    assert "no open actions" in texts(command_answer(driver, slack, FAC, "actions").blocks)

    # Acting on someone else's action: denied, nothing changes.
    a1, a2 = actions_of(db, A)
    (b1,) = actions_of(db, B)
    before = len(slack.calls_to("views.open"))
    forge_button(driver, slack, E, SET_CHANNEL, listing.ts, "als_action_report", str(a1.id))
    settle(slack)
    assert "belongs to someone else" in last_response_text(slack)
    forge_button(driver, slack, E, SET_CHANNEL, listing.ts, "als_action_drop", str(a1.id))
    settle(slack)
    assert "belongs to someone else" in last_response_text(slack)
    assert len(slack.calls_to("views.open")) == before
    assert [a.status for a in actions_of(db, A)] == ["open", "open"]

    # Three days before session 2, A reports back from the list.
    clock.set(SESSION_2 - timedelta(days=3))
    listing = command_answer(driver, slack, A, "actions")
    before = len(slack.calls_to("views.open"))
    driver.click(
        A, "als_action_report", channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(a1.id)
    )
    slack.wait_for("views.open", count=before + 1)
    too_long = "\n".join(f"line {i}" for i in range(11))
    response = driver.submit_view(A, values=report_values("done", too_long))
    assert "10 lines" in (field_errors(response) or {}).get("happened", "")
    response = driver.submit_view(
        A,
        values={
            **report_values("done", "HAPPENED-A spoke to both"),
            "status": {"status_input": None},
        },
    )
    assert "status" in (field_errors(response) or {})
    response = driver.submit_view(
        A, values=report_values("done", "HAPPENED-A spoke to both", "LEARNED-A")
    )
    assert response.status == 200 and not field_errors(response)
    settle(slack)
    assert "reported as _done_" in texts(slack.dm_messages(A)[-1].blocks)
    before = len(slack.calls_to("views.open"))
    driver.click(
        A, "als_action_report", channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(a2.id)
    )
    slack.wait_for("views.open", count=before + 1)
    driver.submit_view(A, values=report_values("partly", "Started the list"))
    settle(slack)
    assert [a.status for a in actions_of(db, A)] == ["done", "open"]
    listing = command_answer(driver, slack, A, "actions")
    assert "Talk to both leads" not in texts(listing.blocks)
    assert "reported: partly done" in texts(listing.blocks)

    # Reporting again for the same session updates the same report (prefilled).
    before = len(slack.calls_to("views.open"))
    driver.click(
        A, "als_action_report", channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(a2.id)
    )
    slack.wait_for("views.open", count=before + 1)
    assert "Started the list" in json.dumps(slack.open_views(A)[-1])
    driver.submit_view(A, values=report_values("not_yet", "Started the list, then stopped"))
    settle(slack)
    with db.read() as s:
        reports = s.scalars(select(ActionReport).where(ActionReport.action_id == a2.id)).all()
    assert [r.status for r in reports] == ["not_yet"]

    # Session 2 starts: the vote opens and the report-back round is posted.
    clock.set(SESSION_2)
    before = len(slack.messages(SET_CHANNEL))
    assert driver.command(FAC, "agenda", channel_id=SET_CHANNEL).status == 200
    settle(slack)
    new = slack.messages(SET_CHANNEL)[before:]
    rounds = [m for m in new if "Report-back round" in texts(m.blocks)]
    assert len(rounds) == 1
    round_text = texts(rounds[0].blocks)
    assert "Talk to both leads" in round_text and "done" in round_text
    assert "Write down my own priorities" in round_text and "not yet" in round_text
    assert "1 private action: 0 reported" in round_text
    assert f"Not reported yet: <@{B}>" in round_text
    assert "PRIVATE-ACTION-B" not in round_text and "HAPPENED-A" not in round_text

    # B reports from the Home tab: the same round message is updated in place.
    home = wait_home(slack, B, "PRIVATE-ACTION-B")
    assert "PRIVATE-ACTION-B" in home
    before = len(slack.calls_to("views.open"))
    driver.click(B, "als_action_report", value=str(b1.id))
    slack.wait_for("views.open", count=before + 1)
    updates = len(slack.calls_to("chat.update"))
    driver.submit_view(B, values=report_values("changed", "HAPPENED-B it changed"))
    slack.wait_for("chat.update", count=updates + 1)
    settle(slack)
    updated = texts(slack.message(SET_CHANNEL, rounds[0].ts).blocks)  # type: ignore[union-attr]
    assert "1 private action: 1 reported" in updated and "Everyone has reported" in updated
    assert (
        len([m for m in slack.messages(SET_CHANNEL) if "Report-back round" in texts(m.blocks)]) == 1
    )

    # Confidentiality: notes, private actions and what reports say stay with their owners.
    for secret, owner in (("NOTE-A", A), ("HAPPENED-A", A), ("LEARNED-A", A)):
        assert secret not in everything_others_see(slack, owner)
    for secret in ("NOTE-B", "PRIVATE-ACTION-B", "HAPPENED-B"):
        assert secret not in everything_others_see(slack, B)


def test_facilitator_asks_for_the_round_and_edits_and_drops_update_the_line(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    # Nobody has actions yet: nothing to report back on.
    assert "nothing to report back on" in last_text(driver, slack, FAC, "agenda reportback")
    open_commit(driver, slack, C, agenda, ids[C])
    driver.submit_view(
        C, values=commit_values([("Ask for feedback", None), ("Book a coach", None)])
    )
    settle(slack)
    (line,) = thread_replies(slack, agenda.ts)
    c1, c2 = actions_of(db, C)

    # Edit from the list: the channel line is updated in place.
    listing = command_answer(driver, slack, C, "actions")
    before = len(slack.calls_to("views.open"))
    driver.click(
        C, "als_action_edit", channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(c1.id)
    )
    slack.wait_for("views.open", count=before + 1)
    response = driver.submit_view(C, values={"action_0": {"input": "x" * 10 + "\nsecond line"}})
    assert "one line" in (field_errors(response) or {}).get("action_0", "")
    driver.submit_view(C, values={"action_0": {"input": "Ask two peers for feedback"}})
    settle(slack)
    assert "Ask two peers for feedback" in texts(slack.message(SET_CHANNEL, line.ts).blocks)  # type: ignore[union-attr]

    # Drop: the list is redrawn without it, and the line follows.
    driver.click(
        C, "als_action_drop", channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(c2.id)
    )
    settle(slack)
    assert "Book a coach" not in last_response_text(slack)
    assert "Book a coach" not in texts(slack.message(SET_CHANNEL, line.ts).blocks)  # type: ignore[union-attr]
    assert [a.status for a in actions_of(db, C)] == ["open", "dropped"]
    # A dropped action cannot be reported on.
    forge_button(driver, slack, C, SET_CHANNEL, listing.ts, "als_action_report", str(c2.id))
    settle(slack)
    assert "dropped" in last_response_text(slack)

    # The facilitator asks for the round before the next session; a member cannot.
    clock.set(SESSION_2 - timedelta(days=1))
    driver.command(E, "agenda reportback", channel_id=SET_CHANNEL)
    settle(slack)
    assert "Only the facilitator" in last_response_text(slack)
    before = len(slack.messages(SET_CHANNEL))
    driver.command(FAC, "agenda reportback", channel_id=SET_CHANNEL)
    settle(slack)
    posted = slack.messages(SET_CHANNEL)[before:]
    assert len(posted) == 1 and "Ask two peers for feedback: _not reported yet_" in texts(
        posted[0].blocks
    )
    # Asking again updates the same message rather than posting another.
    driver.command(FAC, "agenda reportback", channel_id=SET_CHANNEL)
    settle(slack)
    assert len(slack.messages(SET_CHANNEL)) == before + 1


def test_stale_buttons_left_members_and_actions_add(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    # Before the first session there is nothing to attach actions to.
    driver.command(A, "actions add", channel_id=SET_CHANNEL)
    settle(slack)
    assert "has not met yet" in last_response_text(slack)
    clock.set(SESSION_1 + timedelta(hours=4))
    before = len(slack.calls_to("views.open"))
    driver.command(A, "actions add", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    driver.submit_view(A, values=commit_values([("Shadow a colleague", None)]))
    settle(slack)
    # Without an agenda message, the shared line goes to the channel itself.
    lines = [m for m in slack.messages(SET_CHANNEL) if "committed to 1 action" in texts(m.blocks)]
    assert len(lines) == 1 and lines[0].thread_ts in (None, lines[0].ts)
    (a1,) = actions_of(db, A)
    listing = command_answer(driver, slack, A, "actions")

    # A damaged or unknown button value: explained, nothing changes.
    forge_button(driver, slack, A, SET_CHANNEL, listing.ts, "als_action_report", "not-a-number")
    settle(slack)
    assert "out of date" in last_response_text(slack)
    forge_button(driver, slack, A, SET_CHANNEL, listing.ts, "als_action_report", "999999")
    settle(slack)
    assert "no longer exists" in last_response_text(slack)
    # Outsiders, and a member who left, cannot act.
    driver.command(A, "leave", channel_id=SET_CHANNEL)
    settle(slack)
    confirm = slack.ephemerals(SET_CHANNEL, A)[-1]
    driver.click(A, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    settle(slack)
    before = len(slack.calls_to("views.open"))
    driver.click(
        A, "als_action_report", channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(a1.id)
    )
    settle(slack)
    assert "not a member" in last_response_text(slack)
    assert len(slack.calls_to("views.open")) == before
    assert "no open actions" in texts(command_answer(driver, slack, A, "actions").blocks)
    # Unknown sub-words get a hint.
    assert "actions add" in last_text(driver, slack, B, "actions frobnicate")


# -- the learning log -----------------------------------------------------------------------
def test_learning_log_is_private_to_its_author(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    driver.command(A, "log", channel_id=SET_CHANNEL)
    settle(slack)
    assert "has not met yet" in last_response_text(slack)

    clock.set(SESSION_1 + timedelta(hours=4))
    before = len(slack.calls_to("views.open"))
    driver.command(A, "log", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    response = driver.submit_view(
        A, values={"about_issue": {"about_issue_input": ""}, "about_set": {"about_set_input": "  "}}
    )
    assert "at least one" in (field_errors(response) or {}).get("about_issue", "")
    response = driver.submit_view(
        A,
        values={
            "about_issue": {"about_issue_input": "LOG-SECRET-A I avoid conflict"},
            "about_set": {"about_set_input": "LOG-SET-A"},
        },
    )
    assert response.status == 200 and not field_errors(response)
    settle(slack)
    assert "Only you can read it" in texts(slack.dm_messages(A)[-1].blocks)

    # Writing again about the same session edits the same entry (prefilled).
    before = len(slack.calls_to("views.open"))
    driver.command(A, "log", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    assert "LOG-SECRET-A" in json.dumps(slack.open_views(A)[-1])
    driver.submit_view(A, values={"about_issue": {"about_issue_input": "LOG-SECRET-A, revised"}})
    settle(slack)
    with db.read() as s:
        entries = s.scalars(select(LogEntry)).all()
    assert [(e.author_id, e.about_issue) for e in entries] == [(A, "LOG-SECRET-A, revised")]

    # The author lists their entries; the facilitator sees a count, never the content.
    assert "LOG-SECRET-A, revised" in texts(command_answer(driver, slack, A, "log list").blocks)
    assert "empty" in texts(command_answer(driver, slack, FAC, "log list").blocks)
    home = wait_home(slack, FAC, "1 of 6 members have written")
    assert "1 of 6 members have written" in home
    assert "LOG-SECRET-A" not in everything_others_see(slack, A)
    assert "LOG-SET-A" not in everything_others_see(slack, A)


# -- App Home -------------------------------------------------------------------------------
def test_home_tab_per_role(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    submit_topic(driver, slack, A, "Topic of A")
    submit_topic(driver, slack, B, "Topic of B", response="no_topic")
    home = wait_home(slack, A, "Topic of A")
    assert "Your topic for" in home and "Topic of A" in home and "Edit your topic" in home
    assert "no topic this time" in wait_home(slack, B, "no topic this time")
    assert "not started" in wait_home(slack, C, "not started")
    fac = wait_home(slack, FAC, "Topics for")
    assert "Topics for" in fac and f"<@{A}>" in fac and "Topic of A" not in fac

    # An open vote shows on members' tabs, with their own votes used.
    submit_topic(driver, slack, C, "Topic of C")
    submit_topic(driver, slack, D, "Topic of D")
    submit_topic(driver, slack, E, "Topic of E")
    clock.set(SESSION_1)
    driver.command(FAC, "agenda", channel_id=SET_CHANNEL)
    settle(slack)
    home = wait_home(slack, A, "agenda vote")
    assert "used 0 of your 3 votes" in home

    # Actions and report-back progress.
    message = slack.messages(SET_CHANNEL)[-1]
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    with db.read() as s:
        topic_a = s.scalar(select(Topic.id).where(Topic.author_id == A))
    open_commit(driver, slack, A, slack.message(SET_CHANNEL, message.ts), int(topic_a or 0))
    driver.submit_view(A, values=commit_values([("Ask my manager", None)]))
    settle(slack)
    clock.set(SESSION_2 - timedelta(days=3))
    driver.app_home_opened(A)
    home = wait_home(slack, A, "Ask my manager")
    assert "Your open actions" in home and "Report back" in json.dumps(slack.home_view(A))
    driver.app_home_opened(FAC)
    fac = wait_home(slack, FAC, "Report-backs for")
    assert "0 of 1 members with actions have reported" in fac and "Ask my manager" not in fac


def test_maximum_length_input_passes_block_kit_checks(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """Five 300-character actions, a 2000-character note, a 10-line report, a full log entry:
    every modal, message and Home tab built from them passes the fake Slack's checks."""
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    long_action = "&<>@here " + "w" * 291
    open_commit(driver, slack, A, agenda, ids[A])
    response = driver.submit_view(
        A, values=commit_values([(long_action, "2027-12-31")] * 5, note="n" * 2000)
    )
    assert response.status == 200 and not field_errors(response), response.view_errors
    settle(slack)
    open_commit(driver, slack, A, agenda, ids[A])  # the prefilled modal, at maximum length
    driver.close_view(A)
    listing = command_answer(driver, slack, A, "actions")
    assert texts(listing.blocks).count("w" * 291) == 5
    clock.set(SESSION_2 - timedelta(days=2))
    for action in actions_of(db, A):
        before = len(slack.calls_to("views.open"))
        driver.click(
            A,
            "als_action_report",
            channel_id=SET_CHANNEL,
            message_ts=listing.ts,
            value=str(action.id),
        )
        slack.wait_for("views.open", count=before + 1)
        happened = "\n".join(["h" * 140] * 10)
        response = driver.submit_view(A, values=report_values("partly", happened, "l" * 1000))
        assert response.status == 200 and not field_errors(response), response.view_errors
        settle(slack, quiet=0.1)
    clock.set(SESSION_2)
    driver.command(FAC, "agenda reportback", channel_id=SET_CHANNEL)
    settle(slack)
    assert any("Report-back round" in texts(m.blocks) for m in slack.messages(SET_CHANNEL))
    before = len(slack.calls_to("views.open"))
    driver.command(A, "log", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    response = driver.submit_view(
        A,
        values={
            "about_issue": {"about_issue_input": "i" * 2000},
            "about_set": {"about_set_input": "s" * 2000},
        },
    )
    assert response.status == 200 and not field_errors(response)
    settle(slack)
    assert "i" * 100 in texts(command_answer(driver, slack, A, "log list").blocks)
    driver.app_home_opened(A)
    assert "w" * 100 in wait_home(slack, A, "w" * 100)
    # Nothing the app sent was refused by the fake Slack's Block Kit checks.
    refused = [c for c in slack.calls if not c.response.get("ok", True)]
    assert not [c for c in refused if "invalid_blocks" in json.dumps(c.response)], refused


def test_actions_of_a_closed_set_are_explained_not_changed(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """Sets have no "close" command yet; a set marked closed (as an admin would) answers
    clearly and changes nothing."""
    from bot.storage.models import LearningSet

    create_set(driver, slack)
    clock.set(SESSION_1 + timedelta(hours=4))
    before = len(slack.calls_to("views.open"))
    driver.command(A, "actions add", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    driver.submit_view(A, values=commit_values([("Shadow a colleague", None)]))
    settle(slack)
    (a1,) = actions_of(db, A)
    listing = command_answer(driver, slack, A, "actions")
    with db.write() as s, s.begin():
        for lset in s.scalars(select(LearningSet)):
            lset.status = "closed"
    for action_id in ("als_action_report", "als_action_edit", "als_action_drop"):
        before = len(slack.calls_to("views.open"))
        driver.click(A, action_id, channel_id=SET_CHANNEL, message_ts=listing.ts, value=str(a1.id))
        settle(slack)
        assert "That set is closed" in last_response_text(slack)
        assert len(slack.calls_to("views.open")) == before
    assert [a.status for a in actions_of(db, A)] == ["open"]
    assert "no open actions" in texts(command_answer(driver, slack, A, "actions").blocks)
