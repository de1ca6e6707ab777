"""The question bank (issue 18, point 3; in the live session see test_live): ``/als questions``
shows members the cue cards by stage and who facilitates the process questions, privately;
the lead adds the set's own questions. Through the Slack surface, on both databases."""

from __future__ import annotations

from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import answer_to, create_set, private_answer, texts

A, B, *_ = MEMBERS


def told(driver: SlackDriver, slack: FakeSlack, user: str, text: str) -> str:
    return answer_to(slack, lambda: driver.command(user, text, channel_id=SET_CHANNEL))


def test_members_see_cue_cards_the_facilitator_process_questions_and_the_lead_adds(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    create_set(driver, slack)
    member = texts(private_answer(driver, slack, A, "questions").blocks)
    assert "Clarifying questions" in member and "What would success look like?" in member
    assert "Only you see this" in member
    assert "process questions" not in member and "How well are we listening?" not in member
    assert "questions add" not in member

    lead = texts(private_answer(driver, slack, FAC, "questions").blocks)
    assert "For the facilitator: process questions" in lead
    assert "How well are we listening?" in lead and "questions add" in lead

    # The lead adds one (user text, escaped: no @channel); it shows to members as the set's.
    added = told(driver, slack, FAC, "questions add open What matters most <!channel> here?")
    assert "Added to `open`" in added
    member = texts(private_answer(driver, slack, B, "questions").blocks)
    assert "What matters most &lt;!channel&gt; here? _(your set's)_" in member

    # Refused, with nothing added: a member adding, a stage that does not exist, no question,
    # too long, someone outside the set.
    assert "Only the facilitator" in told(driver, slack, A, "questions add open Why?")
    assert "There is no stage `advice`" in told(driver, slack, FAC, "questions add advice Do it")
    assert "questions add <stage> <question>" in told(driver, slack, FAC, "questions add open")
    assert "At most 200 characters" in told(driver, slack, FAC, "questions add open " + "x" * 201)
    assert "not a member" in told(driver, slack, OUTSIDER, "questions")
    member = texts(private_answer(driver, slack, B, "questions").blocks)
    assert member.count("_(your set's)_") == 1

    # Saving the set-up again (a change of place) keeps the set's own questions.
    create_set(driver, slack, place="Room 2")
    member = texts(private_answer(driver, slack, B, "questions").blocks)
    assert "What matters most &lt;!channel&gt; here? _(your set's)_" in member
