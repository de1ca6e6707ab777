"""Attendance (issue 16, point 1): each member answers Coming / Can't come for each coming
session, from the topic prompt, from Home and from ``/als sessions``; a reason for apologies is
the member's alone; apologies with less notice than the set agreed are marked late; answers
close when the session starts and follow a moved session. Driven through signed requests and
the fake Slack, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import PlannedSession, Rsvp
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import answer_to, create_set, field_errors, settle, texts
from tests.test_reminders import scheduler_process, tick
from tests.test_sessions_calendar import cancel_from_listing, listing, move_to, refusal

A, B, C, *_ = MEMBERS
FIRST = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 10:00 London
SECRET = "SECRET-REASON-dentist"


def rsvps(db: Database) -> dict[tuple[int, str], Rsvp]:
    with db.read() as s:
        return {(r.session_id, r.user_id): r for r in s.scalars(select(Rsvp))}


def first_session(db: Database) -> PlannedSession:
    with db.read() as s:
        return s.scalars(select(PlannedSession).order_by(PlannedSession.starts_at)).first()  # type: ignore[return-value]


def apologise(
    driver: SlackDriver, slack: FakeSlack, user: str, reason: str, **where: Any
) -> dict[str, Any]:
    """Press Can't come (where ``where`` says), send the form with ``reason``; the form."""
    before = len(slack.calls_to("views.open"))
    assert driver.click(user, "als_rsvp_apologies", **where).status == 200
    slack.wait_for("views.open", count=before + 1)
    form = slack.open_views(user)[-1]
    response = driver.submit_view(user, values={"reason": {"reason_input": reason}})
    assert field_errors(response) is None
    settle(slack)
    return form


def everything_sent_to_others(slack: FakeSlack, user: str) -> str:
    """Every message and view the bot sent, except to ``user`` themselves."""
    own_dm = slack.open_im(user).id
    return "\n".join(
        json.dumps(c.args)
        for c in slack.calls
        if c.method.startswith(("chat.", "views."))
        and c.args.get("channel") not in (user, own_dm)
        and c.args.get("user_id") != user
    )


def test_from_the_topic_prompt_coming_then_apologies_with_a_private_reason(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, cadence="1")
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, datetime(2026, 12, 3, 22, 0, tzinfo=UTC))  # the prompt, 17:00 for A
    prompt = next(m for m in slack.dm_messages(A) if "als_rsvp_coming" in texts(m.blocks))
    session = first_session(db)

    told = answer_to(
        slack,
        lambda: driver.click(A, "als_rsvp_coming", channel_id=prompt.channel, message_ts=prompt.ts),
    )
    assert "You're coming" in told
    assert rsvps(db)[(session.id, A)].answer == "coming"

    form = apologise(driver, slack, A, SECRET, channel_id=prompt.channel, message_ts=prompt.ts)
    assert "Only you see the reason" in texts(form["blocks"])
    row = rsvps(db)[(session.id, A)]
    assert (row.answer, row.reason, row.late) == ("apologies", SECRET, False)
    assert "Your apologies" in slack.dm_messages(A)[-1].text

    # The facilitator sees apologies and the name, never the reason; A sees it in her form.
    driver.app_home_opened(FAC)
    settle(slack)
    home = texts((slack.home_view(FAC) or {})["blocks"])
    assert f"apologies from <@{A}>" in home and SECRET not in home
    assert SECRET not in everything_sent_to_others(slack, A)
    again = slack.calls_to("views.open")
    driver.click(A, "als_rsvp_apologies", channel_id=prompt.channel, message_ts=prompt.ts)
    slack.wait_for("views.open", count=len(again) + 1)
    reason = [b for b in slack.open_views(A)[-1]["blocks"] if b.get("block_id") == "reason"]
    assert reason[0]["element"]["initial_value"] == SECRET


def test_from_home_the_answer_shows_and_the_facilitator_sees_who_is_coming(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    driver.app_home_opened(B)
    settle(slack)
    assert "you haven't said if you're coming" in texts((slack.home_view(B) or {})["blocks"])
    driver.click(B, "als_rsvp_coming")  # on B's Home tab
    settle(slack)
    assert "you're coming" in texts((slack.home_view(B) or {})["blocks"])
    driver.app_home_opened(FAC)
    settle(slack)
    home = texts((slack.home_view(FAC) or {})["blocks"])
    assert f"1 member coming (<@{B}>)" in home and "not answered:" in home


def test_late_apologies_from_the_sessions_list_follow_the_sets_notice(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, notice_hours="48")
    clock.set(FIRST - timedelta(hours=30))  # less than 48 h before
    listed = listing(driver, slack, C)
    assert "als_rsvp_coming" in texts(listed.blocks) and "als_session_move" not in texts(
        listed.blocks
    )
    form = apologise(driver, slack, C, "", channel_id=SET_CHANNEL, message_ts=listed.ts)
    assert "48 hours notice" in texts(form["blocks"])
    row = rsvps(db)[(first_session(db).id, C)]
    assert (row.answer, row.reason, row.late) == ("apologies", None, True)
    assert "marked late" in slack.dm_messages(C)[-1].text
    # The facilitator's list: who is coming under each session, the late one counted.
    fac = texts(listing(driver, slack, FAC).blocks)
    assert f"apologies from <@{C}>, 1 late" in fac


def test_answers_close_at_the_start_follow_a_move_and_refuse_what_is_not_theirs(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    session = first_session(db)
    sid = str(session.id)
    assert "You're coming" in refusal(driver, slack, A, "als_rsvp_coming", sid)

    # The session moves: the answer follows it.
    assert move_to(driver, slack, session, "2026-12-08", "11:00") is None
    assert rsvps(db)[(session.id, A)].answer == "coming"
    assert "you're coming" in texts(listing(driver, slack, A).blocks)

    # Someone not in the set, a session that does not exist, one that has started.
    assert "not a member" in refusal(driver, slack, "U0OUTSID01", "als_rsvp_coming", sid)
    assert "no longer in the calendar" in refusal(driver, slack, A, "als_rsvp_coming", "999999")
    assert "out of date" in refusal(driver, slack, A, "als_rsvp_coming", "12:x")
    clock.set(datetime(2026, 12, 8, 11, 5, tzinfo=UTC))
    for action in ("als_rsvp_coming", "als_rsvp_apologies"):
        assert "has started" in refusal(driver, slack, B, action, sid)
    assert (session.id, B) not in rsvps(db)


def test_a_cancelled_session_takes_no_answers(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    session = first_session(db)
    cancel_from_listing(driver, slack, session.id)
    assert "cancelled" in refusal(driver, slack, A, "als_rsvp_coming", str(session.id))
    assert rsvps(db) == {}


# -- time away (issue 16, point 3) ----------------------------------------------------------
def command_answer(driver: SlackDriver, slack: FakeSlack, user: str, text: str) -> str:
    return answer_to(slack, lambda: driver.command(user, text, channel_id=SET_CHANNEL))


def away_until(db: Database, user: str) -> list[Any]:
    from bot.storage.models import Membership

    with db.read() as s:
        return [
            m.away_until for m in s.scalars(select(Membership).where(Membership.user_id == user))
        ]


def test_away_pauses_prompts_and_counts_as_apologies_until_off(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, cadence="1")
    told = command_answer(driver, slack, A, "away until 2026-12-08")
    assert "You're away until *Tue 8 Dec 2026*" in told and "Leaders' set" in told
    assert away_until(db, A) == [datetime(2026, 12, 8).date()]

    # The first session (7 Dec) counts A as away; others get their prompts, A does not.
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, datetime(2026, 12, 3, 22, 0, tzinfo=UTC))
    tick(ticker, clock, datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert not [m for m in slack.dm_messages(A) if "prepare your topic" in m.text]
    assert [m for m in slack.dm_messages(B) if "prepare your topic" in m.text]
    fac = texts(listing(driver, slack, FAC).blocks)
    assert f"away: <@{A}>" in fac
    driver.app_home_opened(C)
    settle(slack)
    assert f"Away: <@{A}> until Tue 8 Dec 2026" in texts((slack.home_view(C) or {})["blocks"])

    assert "Welcome back" in command_answer(driver, slack, A, "away off")
    assert away_until(db, A) == [None]
    assert f"away: <@{A}>" not in texts(listing(driver, slack, FAC).blocks)


def test_away_refuses_what_it_cannot_take(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    assert "not in an Action Learning Set" in command_answer(
        driver, slack, A, "away until 2027-01-15"
    )
    create_set(driver, slack)
    assert "could not read `tomorrow` as a date" in command_answer(
        driver, slack, A, "away until tomorrow"
    )
    assert "has passed" in command_answer(driver, slack, A, "away until 2026-01-01")
    assert "At most a year ahead" in command_answer(driver, slack, A, "away until 2029-01-01")
    assert "`/als away off` ends it early" in command_answer(driver, slack, A, "away")
    assert away_until(db, A) == [None]


def test_away_from_home_and_back(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    create_set(driver, slack)
    driver.app_home_opened(B)
    settle(slack)
    before = len(slack.calls_to("views.open"))
    driver.click(B, "als_away_open")
    slack.wait_for("views.open", count=before + 1)
    errors = field_errors(driver.submit_view(B, values={"until": {"until_input": "2026-11-01"}}))
    assert errors and "has passed" in errors["until"]
    assert (
        field_errors(driver.submit_view(B, values={"until": {"until_input": "2026-12-20"}})) is None
    )
    settle(slack)
    home = texts((slack.home_view(B) or {})["blocks"])
    assert "You're away until *Sun 20 Dec 2026*" in home and "I'm back" in home
    assert "For the next session, you're away" in home
    driver.click(B, "als_away_off")
    settle(slack)
    assert away_until(db, B) == [None]
    assert "Away until…" in texts((slack.home_view(B) or {})["blocks"])
