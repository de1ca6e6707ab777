"""``/als topic``: private preparation, "no topic", edits, withdrawal, the submission window."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import PlannedSession, Topic
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import (
    ballot,
    create_set,
    field_errors,
    last_response_text,
    more_settings,
    open_setup,
    open_vote,
    settle,
    submit_topic,
    texts,
)

A, B, C = MEMBERS[0], MEMBERS[1], MEMBERS[2]
SECRET = "Quokka-private-scenario-7731"


def topics(db: Database) -> list[Topic]:
    with db.read() as s:
        return list(s.scalars(select(Topic).order_by(Topic.id)))


def session_ids(db: Database) -> list[int]:
    with db.read() as s:
        return list(s.scalars(select(PlannedSession.id).order_by(PlannedSession.starts_at)))


def test_private_topic_is_seen_by_its_author_alone(
    driver: SlackDriver, slack: FakeSlack, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    create_set(driver, slack)
    posts_before = len(slack.messages(SET_CHANNEL))
    response = submit_topic(
        driver, slack, A, "Team conflict", scenario=f"{SECRET}\nline two", question="Q-secret?"
    )
    assert field_errors(response) is None
    # Confirmation to the author as a DM, never a channel post.
    assert len(slack.messages(SET_CHANNEL)) == posts_before
    confirmation = slack.dm_messages(A)[-1]
    assert "Team conflict" in confirmation.text and "private" in confirmation.text
    [row] = topics(db)
    assert (row.author_id, row.status, row.shared, row.session_id) == (
        A,
        "submitted",
        False,
        session_ids(db)[0],
    )

    submit_topic(driver, slack, B, "Shared one", scenario="Open scenario text", shared=True)
    submit_topic(driver, slack, C, "C's topic")
    submit_topic(driver, slack, MEMBERS[3], "D's topic")  # 4 topics for 3 slots: a vote
    vote = open_vote(driver, slack)
    assert "Agenda vote" in texts(vote.blocks)
    channel_text = vote.text + texts(vote.blocks)
    assert "Team conflict" in channel_text and f"<@{A}>" in channel_text
    assert SECRET not in channel_text and "Q-secret" not in channel_text
    assert "Open scenario text" in channel_text  # B shared theirs
    # Another member's ballot: title only. The author's own ballot: their preparation.
    assert SECRET not in texts(ballot(driver, slack, B, vote)["blocks"])
    assert SECRET in texts(ballot(driver, slack, A, vote)["blocks"])
    # The facilitator's Home and every published Home of others never show it.
    driver.app_home_opened(FAC)
    settle(slack)
    leaked = [
        c
        for c in slack.calls
        if SECRET in str(c.args)
        and not (
            c.method == "views.open"
            and slack.view_owner(c.response.get("view", {}).get("id", "")) == A
        )
        and not (c.method == "chat.postMessage" and c.args.get("channel") == A)
    ]
    assert leaked == []
    assert SECRET not in caplog.text


def test_edit_no_topic_and_withdraw(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    create_set(driver, slack)
    submit_topic(driver, slack, A, "First title")
    # Running it again opens the modal prefilled.
    opened = len(slack.calls_to("views.open"))
    driver.command(A, "topic", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=opened + 1)
    modal = slack.open_views(A)[-1]
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "First title"
    assert "withdraw" in texts(blocks["response"])
    driver.close_view(A)
    # Switch to "no topic this time": a valid answer, no title needed.
    response = submit_topic(driver, slack, A, response="no_topic", scenario="", question="")
    assert field_errors(response) is None
    assert [(t.author_id, t.status) for t in topics(db)] == [(A, "no_topic")]
    assert "no topic" in slack.dm_messages(A)[-1].text.lower()
    # Back to a topic, then withdraw it.
    submit_topic(driver, slack, A, "Second title")
    submit_topic(driver, slack, A, response="withdraw")
    assert [(t.status, t.title) for t in topics(db)] == [("withdrawn", "Second title")]
    # Nothing to withdraw now: the modal no longer offers it, and starts empty.
    driver.command(A, "topic", channel_id=SET_CHANNEL)
    settle(slack)
    modal = {b.get("block_id"): b for b in slack.open_views(A)[-1]["blocks"]}
    assert "withdraw" not in texts(modal["response"])
    assert "initial_value" not in modal["title"]["element"]


def test_topic_field_errors(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    create_set(driver, slack)
    eleven = "\n".join(f"line {i}" for i in range(11))
    errors = field_errors(submit_topic(driver, slack, A, "T", scenario=eleven))
    assert errors is not None and "10 lines" in errors["scenario"]
    errors = field_errors(
        driver.submit_view(
            A, values={"title": {"title_input": ""}, "question": {"question_input": ""}}
        )
    )
    assert errors is not None and {"title", "question"} <= set(errors)
    assert topics(db) == []


def test_facilitator_who_does_not_participate_is_not_asked(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    answers = len(slack.calls_to("response_url"))
    driver.command(FAC, "topic", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    assert "don't bring topics" in last_response_text(slack)
    assert not slack.calls_to("views.open")[1:]  # only the setup modal was ever opened
    # When the set says the facilitator participates, they may.
    open_setup(driver, slack)
    more_settings(driver, slack)
    driver.submit_view(FAC, values={"participates": {"participates_input": "participates"}})
    settle(slack)
    assert field_errors(submit_topic(driver, slack, FAC, "Facilitator's topic")) is None


def test_topic_from_a_dm_goes_to_the_users_set(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    driver.command(A, "topic")  # in the DM with the bot
    slack.wait_for("views.open", count=2)
    assert (
        field_errors(
            driver.submit_view(
                A,
                values={
                    "title": {"title_input": "From DM"},
                    "scenario": {"scenario_input": "S"},
                    "question": {"question_input": "Q"},
                },
            )
        )
        is None
    )
    assert [t.title for t in topics(db)] == ["From DM"]


def test_submissions_close_when_the_vote_opens_and_nothing_is_lost(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    submit_topic(driver, slack, B, "B's topic")
    # A opens the modal for session 1...
    driver.command(A, "topic", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=2)
    clock.set(datetime(2026, 12, 7, 10, 5, tzinfo=UTC))
    # ...the facilitator opens the vote meanwhile...
    open_vote(driver, slack)
    # ...and A submits: kept for the following session, and A is told why.
    response = driver.submit_view(
        A,
        values={
            "title": {"title_input": "Late topic"},
            "scenario": {"scenario_input": "S"},
            "question": {"question_input": "Q"},
        },
    )
    assert field_errors(response) is None
    settle(slack)
    first, second = session_ids(db)[:2]
    late = [t for t in topics(db) if t.title == "Late topic"]
    assert [t.session_id for t in late] == [second]
    assert "had already opened" in slack.dm_messages(A)[-1].text
    # Running /als topic now is about the following session, and says so.
    opened = len(slack.calls_to("views.open"))
    driver.command(C, "topic", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=opened + 1)
    settle(slack)
    assert "session after it" in texts(slack.open_views(C)[-1]["blocks"])
    assert [t.session_id for t in topics(db) if t.title == "B's topic"] == [first]


def test_a_member_of_several_sets_picks_the_set_in_the_modal(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    from tests.conftest import PUBLIC_CHANNEL

    create_set(driver, slack)
    create_set(driver, slack, channel=PUBLIC_CHANNEL, members=[A, B], name="Second set")
    driver.command(A, "topic")  # from the DM: which set?
    settle(slack)
    modal = slack.open_views(A)[-1]
    picker = {b.get("block_id"): b for b in modal["blocks"]}["set"]["element"]
    options = {o["text"]["text"]: o["value"] for o in picker["options"]}
    assert set(options) == {"Leaders' set", "Second set"}
    response = driver.submit_view(
        A,
        values={
            "set": {"set_input": options["Second set"]},
            "title": {"title_input": "For the second set"},
            "scenario": {"scenario_input": "S"},
            "question": {"question_input": "Q"},
        },
    )
    assert field_errors(response) is None
    with db.read() as s:
        from bot.storage.models import LearningSet

        second = s.scalars(select(LearningSet.id).where(LearningSet.name == "Second set")).one()
    assert [(t.set_id, t.title) for t in topics(db)] == [(second, "For the second set")]


def test_the_set_choice_leaves_out_sets_where_the_user_brings_no_topics(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    from tests.conftest import PUBLIC_CHANNEL

    create_set(driver, slack)  # FAC facilitates, without participating
    create_set(driver, slack, channel=PUBLIC_CHANNEL, user=A, members=[FAC, B], name="Peer set")
    opened = len(slack.calls_to("views.open"))
    driver.command(FAC, "topic")  # from the DM: only the set where FAC participates
    slack.wait_for("views.open", count=opened + 1)
    modal = slack.open_views(FAC)[-1]
    assert "set" not in {b.get("block_id") for b in modal["blocks"]}
    assert "Peer set" in texts(modal["blocks"])


def test_home_shows_your_own_topic_and_the_facilitator_names_only(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    home = slack.home_view(A)
    assert home is not None and "not started" in texts(home["blocks"])
    # The Home button opens the topic modal for that set.
    opened = len(slack.calls_to("views.open"))
    driver.click(A, "als_topic_open", view_id=home["id"])
    slack.wait_for("views.open", count=opened + 1)
    driver.submit_view(
        A,
        values={
            "title": {"title_input": "Title-A-only"},
            "scenario": {"scenario_input": SECRET},
            "question": {"question_input": "Q"},
        },
    )
    settle(slack)
    submit_topic(driver, slack, B, response="no_topic", scenario="", question="")
    own = texts(slack.home_view(A)["blocks"])  # type: ignore[index]
    assert "Title-A-only" in own and "private" in own and SECRET not in own
    assert "Title-A-only" not in texts(slack.home_view(B)["blocks"])  # type: ignore[index]
    driver.app_home_opened(FAC)
    settle(slack)
    facilitator = texts(slack.home_view(FAC)["blocks"])  # type: ignore[index]
    assert f"1 in (<@{A}>)" in facilitator and f"no topic: <@{B}>" in facilitator
    assert "Title-A-only" not in facilitator and SECRET not in facilitator
    assert "als_topic_open" not in facilitator  # a non-participating facilitator brings none


def test_a_draft_is_kept_for_its_author_and_stays_out_of_the_vote(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    # A draft needs a title only; the author is told it is not submitted.
    response = submit_topic(
        driver, slack, A, "DRAFT-TITLE-A", response="draft", scenario="", question=""
    )
    assert response.status == 200 and not field_errors(response)
    assert "not submitted" in texts(slack.dm_messages(A)[-1].blocks)
    with db.read() as s:
        assert [t.status for t in s.scalars(select(Topic))] == ["draft"]
    response = submit_topic(driver, slack, B, " ", response="draft")
    assert "title" in (field_errors(response) or {})
    # The Home tab says "draft"; the facilitator still counts A as waiting.
    settle(slack)
    assert "draft, not submitted yet" in texts(slack.home_view(A)["blocks"])  # type: ignore[index]
    # Reopened, the modal is prefilled with the draft and offers to submit it.
    before = len(slack.calls_to("views.open"))
    driver.command(A, "topic", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    assert "DRAFT-TITLE-A" in str(slack.open_views(A)[-1])
    driver.close_view(A)
    # A draft is not in the vote; the submitted topics are.
    for author in (B, C):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(datetime(2026, 12, 7, 10, 5, tzinfo=UTC))
    driver.command(FAC, "agenda", channel_id=SET_CHANNEL)
    settle(slack)
    channel = " ".join(texts(m.blocks) for m in slack.messages(SET_CHANNEL))
    assert "DRAFT-TITLE-A" not in channel and "Topic 02" in channel
