"""The sessions calendar through the Slack surface: ``/als sessions``, Move / Cancel / Add a
session, the programme end and the reminder settings of the set-up modal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.services.reminders import ReminderService
from bot.storage.db import Database
from bot.storage.models import LearningSet, PlannedSession, Reminder
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    create_set,
    field_errors,
    forge_button,
    last_response_text,
    more_settings,
    open_setup,
    private_answer,
    settle,
    setup_values,
    texts,
)

A, B = MEMBERS[0], MEMBERS[1]
# The default set: London, every 4 weeks from Mon 7 Dec 2026, 10:00, 3 h.
FIRST = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
SECOND = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
FOURTH = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


# -- helpers --------------------------------------------------------------------------------
def sessions(db: Database, **where: Any) -> list[PlannedSession]:
    with db.read() as s:
        stmt = select(PlannedSession).order_by(PlannedSession.starts_at)
        for key, value in where.items():
            stmt = stmt.where(getattr(PlannedSession, key) == value)
        return list(s.scalars(stmt))


def session_at(db: Database, starts_at: datetime) -> PlannedSession:
    [row] = [r for r in sessions(db) if r.starts_at == starts_at]
    return row


def the_set(db: Database) -> LearningSet:
    with db.read() as s:
        lset = s.scalar(select(LearningSet))
        assert lset is not None
        return lset


def listing(
    driver: SlackDriver, slack: FakeSlack, user: str, channel: str | None = SET_CHANNEL
) -> Any:
    """Run ``/als sessions``; return the ephemeral answer (through the response URL)."""
    return private_answer(driver, slack, user, "sessions", channel)


def cancel_from_listing(
    driver: SlackDriver, slack: FakeSlack, session_id: int, user: str = FAC
) -> Any:
    """Cancel a session with its button in ``/als sessions``, let the work settle; returns
    the listing the button was in."""
    listed = listing(driver, slack, user)
    driver.click(
        user,
        "als_session_cancel",
        channel_id=SET_CHANNEL,
        message_ts=listed.ts,
        value=str(session_id),
    )
    settle(slack)
    return listed


def open_move(
    driver: SlackDriver, slack: FakeSlack, row: PlannedSession, user: str = FAC
) -> dict[str, Any]:
    listed = listing(driver, slack, user)
    before = len(slack.calls_to("views.open"))
    driver.click(
        user, "als_session_move", channel_id=SET_CHANNEL, message_ts=listed.ts, value=str(row.id)
    )
    slack.wait_for("views.open", count=before + 1)
    return slack.open_views(user)[-1]


def move_to(
    driver: SlackDriver, slack: FakeSlack, row: PlannedSession, day: str, at: str
) -> dict[str, str] | None:
    open_move(driver, slack, row)
    errors = field_errors(
        driver.submit_view(FAC, values={"date": {"date_input": day}, "time": {"time_input": at}})
    )
    settle(slack)
    return errors


def channel_text(slack: FakeSlack) -> str:
    return "\n".join(m.text + texts(m.blocks) for m in slack.messages(SET_CHANNEL))


def refusal(driver: SlackDriver, slack: FakeSlack, user: str, action: str, value: str) -> str:
    """A signed click on a session button (forged or stale); the private answer's text."""
    before = len(slack.calls_to("response_url"))
    forge_button(driver, slack, user, SET_CHANNEL, "1700000000.000100", action, value)
    slack.wait_for("response_url", count=before + 1)
    return last_response_text(slack)


# -- the list -------------------------------------------------------------------------------
def test_members_see_the_sessions_the_facilitator_also_gets_buttons(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    member_view = listing(driver, slack, A)
    shown = texts(member_view.blocks)
    epoch = int(FIRST.timestamp())
    assert f"<!date^{epoch}^" in shown  # each reader sees their own zone
    assert "Mon 07 Dec 2026 10:00 (Europe/London)" in shown  # the set's zone as fallback
    assert shown.count("<!date^") == 4
    assert "als_session_move" not in shown and "als_session_add" not in shown

    fac_view = listing(driver, slack, FAC)
    fac = texts(fac_view.blocks)
    assert fac.count("als_session_move") == 4 and fac.count("als_session_cancel") == 4
    assert "als_session_add" in fac and '"confirm"' in fac

    # Anywhere else (a DM with the bot): the user's only set.
    assert f"<!date^{epoch}^" in texts(listing(driver, slack, B, channel=None).blocks)

    # Not a member: told, nothing shown.
    listing(driver, slack, OUTSIDER, channel=None)
    assert "not in an Action Learning Set yet" in last_response_text(slack)
    assert "`/als setup`" in last_response_text(slack)
    slack.add_to_channel(SET_CHANNEL, OUTSIDER)
    listing(driver, slack, OUTSIDER)
    answer = last_response_text(slack)
    assert "not a member" in answer and "<!date^" not in answer


# -- move -----------------------------------------------------------------------------------
def test_move_into_the_spring_forward_gap_replans_reminders_and_tells_the_channel(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    reminders = ReminderService(db, clock)
    reminders.plan(clock())
    fourth = session_at(db, FOURTH)
    with db.read() as s:
        assert s.scalars(select(Reminder).where(Reminder.session_id == fourth.id)).all()

    modal = open_move(driver, slack, fourth)
    shown = json.dumps(modal)
    assert '"initial_date": "2027-03-01"' in shown and '"initial_time": "10:00"' in shown
    assert "Europe/London" in shown  # the modal says which zone

    # London springs forward on Sun 28 Mar 2027: 01:30 does not exist -> 02:00 BST (01:00 UTC).
    assert move_to(driver, slack, fourth, "2027-03-28", "01:30") is None
    moved = sessions(db, id=fourth.id)[0]
    new_start = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert moved.starts_at == new_start
    assert (moved.local_date, moved.local_time) == (date(2027, 3, 28), time(2, 0))
    assert moved.timezone == "Europe/London" and moved.revision == 2
    assert moved.series_date == date(2027, 3, 1)  # still stands for its occurrence

    # Its reminders follow the new time.
    with db.read() as s:
        rows = s.scalars(
            select(Reminder).where(Reminder.session_id == fourth.id, Reminder.status == "pending")
        ).all()
    due = {r.kind: r.due_at for r in rows}
    assert due["session_post"] == new_start - timedelta(minutes=60)
    assert due["prep_prompt"] == datetime(2027, 3, 21, 2, 0, tzinfo=UTC)  # 7 days, 02:00 GMT
    assert due["report_reminder"] == datetime(2027, 3, 25, 2, 0, tzinfo=UTC)
    assert all(r.useful_until <= new_start + timedelta(days=4) for r in rows)

    # The channel is told (date tokens), the facilitator gets the fresh list.
    told = channel_text(slack)
    assert "has moved to" in told and f"<!date^{int(new_start.timestamp())}^" in told
    confirmation = texts(slack.ephemerals(SET_CHANNEL, FAC)[-1].blocks)
    assert "has moved to" in confirmation and "moved" in confirmation

    # Members see it marked as moved.
    assert "_moved_" in texts(listing(driver, slack, A).blocks)


def test_move_errors_past_collision_programme_end(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack, programme_ends_on="2027-02-15")
    assert [r.starts_at for r in sessions(db)] == [FIRST, SECOND, SECOND + timedelta(weeks=4)]
    second = session_at(db, SECOND)

    errors = move_to(driver, slack, second, "2026-11-01", "10:00")
    assert errors and "in the past" in errors["date"]
    # Overlaps the first session (10:00-13:00).
    errors = move_to(driver, slack, second, "2026-12-07", "12:00")
    assert errors and "Another session" in errors["date"]
    errors = move_to(driver, slack, second, "2027-02-16", "10:00")
    assert errors and "programme ends" in errors["date"]
    assert sessions(db, id=second.id)[0].starts_at == SECOND
    assert sessions(db, id=second.id)[0].revision == 1

    # A cancelled session keeps its slot (unique in the database): a field error too.
    first = session_at(db, FIRST)
    cancel_from_listing(driver, slack, first.id)
    errors = move_to(driver, slack, second, "2026-12-07", "10:00")
    assert errors and "Another session" in errors["date"]
    assert sessions(db, id=second.id)[0].starts_at == SECOND


# -- cancel ---------------------------------------------------------------------------------
def test_cancel_the_channel_is_told_and_the_list_is_redrawn(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    ReminderService(db, clock).plan(clock())
    first = session_at(db, FIRST)
    listed = cancel_from_listing(driver, slack, first.id)
    assert sessions(db, id=first.id)[0].status == "cancelled"
    with db.read() as s:
        pending = s.scalars(
            select(Reminder).where(Reminder.session_id == first.id, Reminder.status == "pending")
        ).all()
    assert pending == []  # nobody had been reminded yet: no notice either
    redrawn = slack.ephemeral(SET_CHANNEL, listed.ts)
    assert redrawn is not None
    epoch = int(FIRST.timestamp())
    assert "is cancelled" in texts(redrawn.blocks)
    assert f'"session_{first.id}"' not in json.dumps(redrawn.blocks)  # no buttons for it
    told = channel_text(slack)
    assert "is cancelled" in told and f"<!date^{epoch}^" in told
    assert f"<!date^{epoch}^" not in texts(listing(driver, slack, A).blocks)
    # The horizon keeps 4 sessions ahead.
    assert len(sessions(db, status="planned")) == 4

    # A stale button on the cancelled session: explained, nothing changes.
    calls = len(slack.calls_to("chat.postMessage"))
    assert "no longer planned" in refusal(driver, slack, FAC, "als_session_cancel", str(first.id))
    assert "no longer planned" in refusal(driver, slack, FAC, "als_session_move", str(first.id))
    settle(slack)
    assert len(slack.calls_to("chat.postMessage")) == calls


def test_non_facilitators_and_started_sessions_are_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    first = session_at(db, FIRST)
    opened = len(slack.calls_to("views.open"))
    for action in ("als_session_cancel", "als_session_move"):
        assert "Only the facilitator" in refusal(driver, slack, A, action, str(first.id))
    assert "Only the facilitator" in refusal(
        driver, slack, A, "als_session_add", str(the_set(db).id)
    )
    assert len(slack.calls_to("views.open")) == opened
    assert sessions(db, id=first.id)[0].status == "planned"

    clock.set(FIRST + timedelta(minutes=10))
    answer = refusal(driver, slack, FAC, "als_session_cancel", str(first.id))
    assert "already started" in answer
    assert sessions(db, id=first.id)[0].status == "planned"
    listed = texts(listing(driver, slack, FAC).blocks)
    assert "in progress" in listed and f'"session_{first.id}"' not in listed


# -- add ------------------------------------------------------------------------------------
def test_add_an_extra_session(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, programme_sessions="2")
    assert len(sessions(db)) == 2
    listed = listing(driver, slack, FAC)
    before = len(slack.calls_to("views.open"))
    driver.click(FAC, "als_session_add", channel_id=SET_CHANNEL, message_ts=listed.ts)
    slack.wait_for("views.open", count=before + 1)
    modal = slack.open_views(FAC)[-1]
    assert "Europe/London" in json.dumps(modal) and '"initial_time": "10:00"' in json.dumps(modal)
    response = driver.submit_view(
        FAC, values={"date": {"date_input": "2026-12-21"}, "time": {"time_input": "18:00"}}
    )
    assert field_errors(response) is None
    settle(slack)
    extra = session_at(db, datetime(2026, 12, 21, 18, 0, tzinfo=UTC))
    assert extra.series_date is None and extra.duration_minutes == 180 and extra.revision == 1
    with db.read() as s:
        kinds = {r.kind for r in s.scalars(select(Reminder).where(Reminder.session_id == extra.id))}
    assert "session_post" in kinds and "prep_prompt" in kinds
    assert "extra session" in channel_text(slack)
    assert "_extra session_" in texts(listing(driver, slack, A).blocks)
    assert len(sessions(db)) == 3  # the programme's 2, plus the extra one


# -- the set-up modal -----------------------------------------------------------------------
def test_programme_end_stops_the_series(
    driver: SlackDriver, slack: FakeSlack, db: Database, als: Any
) -> None:
    response = create_set(driver, slack, programme_sessions="2", programme_ends_on="2026-12-01")
    assert set(field_errors(response) or {}) == {"programme_ends_on"}
    response = create_set(driver, slack, programme_sessions="0")
    assert set(field_errors(response) or {}) == {"programme_sessions"}
    assert create_set(driver, slack, programme_sessions="3").status == 200
    assert len(sessions(db)) == 3
    for later in (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 9, 1, tzinfo=UTC)):
        als.deps.sets.extend_horizons(later)
    assert len(sessions(db)) == 3

    # Prefilled when editing; a shorter programme cancels what is beyond its end.
    open_setup(driver, slack)
    modal = json.dumps(more_settings(driver, slack))
    assert '"initial_value": "3"' in modal
    response = driver.submit_view(
        FAC, values=setup_values(programme_sessions="", programme_ends_on="2027-01-10")
    )
    assert field_errors(response) is None
    settle(slack)
    lset = the_set(db)
    assert (lset.programme_sessions, lset.programme_ends_on) == (None, date(2027, 1, 10))
    assert lset.replan_at is not None
    assert [r.starts_at for r in sessions(db, status="planned")] == [FIRST, SECOND]
    # The channel is told which session the shorter programme cancelled.
    [third] = sessions(db, status="cancelled")
    updated = [m for m in slack.messages(SET_CHANNEL) if "was updated" in m.text][-1]
    told = texts(updated.blocks)
    assert "The programme now ends earlier" in told and "is cancelled" in told
    assert f"<!date^{int(third.starts_at.timestamp())}^" in told
    assert f"<!date^{int(SECOND.timestamp())}^" not in told
    summary = texts(open_setup(driver, slack)["blocks"])
    assert "Programme end: on or before 10 Jan 2027" in summary  # under "More settings"
    assert '"initial_date": "2027-01-10"' in json.dumps(more_settings(driver, slack))


def test_reminder_settings_are_stored_and_prefilled(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    response = create_set(driver, slack, prep_days="3", nudge_days="3")
    assert set(field_errors(response) or {}) == {"nudge_days"}
    response = create_set(driver, slack, post_minutes="100000")
    assert set(field_errors(response) or {}) == {"post_minutes"}
    response = create_set(
        driver,
        slack,
        prep_days="5",
        nudge_days="1",
        report_days="4",
        post_minutes="30",
        reflection_minutes="",  # empty: the default
        auto_vote="auto_vote",
    )
    assert response.status == 200
    assert the_set(db).settings["reminders"] == {
        "prep_days": 5,
        "nudge_days": 1,
        "report_days": 4,
        "post_minutes": 30,
        "reflection_minutes": 60,
        "auto_vote": True,
        "quorum_days": 2,
    }
    open_setup(driver, slack)
    modal = more_settings(driver, slack)
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        or b["element"].get("initial_option", {}).get("value")
        for b in modal["blocks"]
        if b["type"] == "input"
    }
    assert initial["prep_days"] == "5" and initial["post_minutes"] == "30"
    assert initial["reflection_minutes"] == "60" and initial["auto_vote"] == "auto_vote"
    assert len(modal["blocks"]) <= 100
