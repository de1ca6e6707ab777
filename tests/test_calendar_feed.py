"""Calendar feeds (issue 16, point 5, first part): ``/als calendar`` gives each member a
personal, secret, revocable iCalendar feed of their sets' sessions, served by the app itself
(the same WSGI app ``serve`` runs): UIDs stay when a session moves (SEQUENCE goes up),
cancelled sessions stay as CANCELLED, times carry the set's zone, conditional requests get
304. Parsed back with the ``icalendar`` library."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.services.feeds import FeedSeal
from bot.storage.db import Database
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL, SIGNING_SECRET, app_for
from tests.helpers import answer_to, create_set, submit_topic
from tests.test_attendance import first_session
from tests.test_sessions_calendar import cancel_from_listing, move_to

PUBLIC = "https://als.example.org"
A = MEMBERS[0]


@pytest.fixture
def als(
    request: pytest.FixtureRequest, db: Database, slack: FakeSlack, clock: ManualClock
) -> Iterator[AlsBot]:
    """The app served at a public address (``PUBLIC_URL``), unless the test says Socket Mode."""
    socket = request.node.get_closest_marker("socket_mode") is not None
    yield from app_for(db, slack, clock, public_url=None if socket else PUBLIC)


def link(driver: SlackDriver, slack: FakeSlack, user: str, words: str = "calendar") -> str:
    told = answer_to(slack, lambda: driver.command(user, words, channel_id=SET_CHANNEL))
    found = re.search(r"`(https://als\.example\.org/calendar/[^`]+\.ics)`", told)
    assert found, told
    return found.group(1)


def get(app_url: str, url: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    path = url.removeprefix(PUBLIC)
    request = urllib.request.Request(app_url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def events(body: bytes) -> list[object]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_a_members_feed_holds_their_sessions_in_the_sets_zone_and_nothing_else(
    driver: SlackDriver, slack: FakeSlack, db: Database, app_url: str
) -> None:
    create_set(driver, slack, place="Room 4, Harbour House")
    submit_topic(driver, slack, A, "SECRET-TOPIC-title")
    url = link(driver, slack, A)
    status, body, headers = get(app_url, url)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    found = events(body)
    assert len(found) == 4
    first = found[0]
    assert first["DTSTART"].params["TZID"] == "Europe/London"  # type: ignore[index]
    assert first.decoded("dtstart") == datetime(
        2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )  # type: ignore[attr-defined]
    assert str(first["SUMMARY"]) == "Leaders' set (Action Learning Set)"  # type: ignore[index]
    assert str(first["LOCATION"]) == "Room 4, Harbour House"  # type: ignore[index]
    assert b"BEGIN:VTIMEZONE" in body and b"TZID:Europe/London" in body
    for secret in (b"SECRET-TOPIC", A.encode(), FAC.encode(), b"agree"):
        assert secret not in body
    # The same link again: the same body; a client that has it gets a 304.
    assert get(app_url, url)[1] == body
    status, again, _ = get(app_url, url, **{"If-None-Match": headers["ETag"]})
    assert (status, again) == (304, b"")


def test_moves_keep_the_uid_with_a_higher_sequence_and_cancelled_sessions_stay(
    driver: SlackDriver, slack: FakeSlack, db: Database, app_url: str
) -> None:
    create_set(driver, slack)
    url = link(driver, slack, A)
    _, before, headers = get(app_url, url)
    session = first_session(db)
    uid = str(events(before)[0]["UID"])  # type: ignore[index]

    assert move_to(driver, slack, session, "2026-12-08", "14:00") is None
    status, _, _ = get(app_url, url, **{"If-None-Match": headers["ETag"]})
    assert status == 200, "a move changes the feed"
    moved = next(e for e in events(get(app_url, url)[1]) if str(e["UID"]) == uid)  # type: ignore[index]
    assert int(moved["SEQUENCE"]) == 1  # type: ignore[index]
    assert moved.decoded("dtstart") == datetime(
        2026, 12, 8, 14, 0, tzinfo=ZoneInfo("Europe/London")
    )  # type: ignore[attr-defined]

    cancel_from_listing(driver, slack, session.id)
    cancelled = next(e for e in events(get(app_url, url)[1]) if str(e["UID"]) == uid)  # type: ignore[index]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2  # type: ignore[index]


def test_times_across_a_dst_change_for_a_reader_in_another_zone(
    driver: SlackDriver, slack: FakeSlack, db: Database, app_url: str
) -> None:
    """London moves to summer time on 28 March 2027: the sessions stay at 10:00 there, an hour
    apart in UTC, and a reader in New York (already on summer time) sees 06:00 then 05:00."""
    create_set(driver, slack, cadence="1", first_date="2027-03-22")
    found = events(get(app_url, link(driver, slack, A))[1])
    starts = [e.decoded("dtstart") for e in found[:2]]  # type: ignore[attr-defined]
    assert [s.astimezone(UTC) for s in starts] == [
        datetime(2027, 3, 22, 10, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 9, 0, tzinfo=UTC),
    ]
    new_york = ZoneInfo("America/New_York")
    assert [s.astimezone(new_york).hour for s in starts] == [6, 5]
    assert all(e["DTSTART"].params["TZID"] == "Europe/London" for e in found)  # type: ignore[index]


def test_a_reset_link_stops_and_made_up_or_foreign_links_are_404(
    driver: SlackDriver, slack: FakeSlack, db: Database, app_url: str
) -> None:
    create_set(driver, slack)
    old = link(driver, slack, A)
    assert link(driver, slack, A) == old, "the same link until it is reset"
    new = link(driver, slack, A, "calendar reset")
    assert new != old
    assert get(app_url, old)[:2] == (404, b"Not Found")
    assert get(app_url, new)[0] == 200
    seal = FeedSeal(SIGNING_SECRET)
    foreign = seal.token("T0OTHER001", A, 1)  # another workspace: no such feed
    tampered = new.replace(".ics", "0.ics")
    for url in (f"{PUBLIC}/calendar/{foreign}.ics", tampered, f"{PUBLIC}/calendar/x.ics"):
        assert get(app_url, url)[:2] == (404, b"Not Found"), url
    # Someone in no set has no feed.
    told = answer_to(slack, lambda: driver.command(OUTSIDER, "calendar", channel_id=SET_CHANNEL))
    assert "not in an Action Learning Set" in told


@pytest.mark.socket_mode
def test_without_a_public_address_the_command_says_why(
    driver: SlackDriver, slack: FakeSlack, db: Database, app_url: str
) -> None:
    create_set(driver, slack)
    told = answer_to(slack, lambda: driver.command(A, "calendar", channel_id=SET_CHANNEL))
    assert "Socket Mode" in told and "PUBLIC_URL" in told
    # It offers the next session as a file instead: an .ics in A's DM with the bot.
    answer = slack.response_url_posts()[-1]
    assert "als_calendar_file" in str(answer.body)
    assert driver.click(A, "als_calendar_file", value="next", **_clicked_in(slack, A)).status == 200
    slack.wait_for("files.completeUploadExternal")
    [shared] = [m for m in slack.dm_messages(A) if m.files]
    assert "Leaders' set" in shared.text
    content = slack.file_content(shared.files[0]["id"])  # type: ignore[index]
    assert content is not None
    [event] = events(content)
    assert event.decoded("dtstart") == datetime(
        2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )  # type: ignore[attr-defined]
    assert event["DTSTART"].params["TZID"] == "Europe/London"  # type: ignore[index]


def _clicked_in(slack: FakeSlack, user: str) -> dict[str, str]:
    """Where the ephemeral answer with the file button is (the fake keeps ephemerals)."""
    ephemeral = slack.ephemerals(user_id=user)[-1]
    return {"channel_id": ephemeral.channel, "message_ts": ephemeral.ts}
