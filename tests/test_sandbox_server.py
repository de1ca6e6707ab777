"""The sandbox (``als-bot sandbox``) over HTTP, as its page uses it, without a browser."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import seed
from bot.sandbox.server import Sandbox
from tests.conftest import HOME_INTERVAL, HOME_SETTLE

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
FIONA, AMARA, BEN, CHEN, DIEGO, ELENA, HIRO = (p.id for p in seed.PEOPLE)
CHANNEL = seed.SET_CHANNEL.id
SECRET = "Zebra-crossing secret: my boss reads my email"


class Page:
    """What the page's JavaScript does, as plain HTTP calls."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.url

    def get(self, path: str) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as r:
                return r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers.get("Content-Type", "")

    def post(self, path: str, body: dict[str, Any], *, expect: int = 200) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                status, data = r.status, r.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        assert status == expect, data
        return json.loads(data)

    def state(self, user: str, conv: str = CHANNEL, *, expect: int = 200) -> dict[str, Any]:
        status, data, _ = self.get(f"/api/state?user={user}&conv={conv}")
        assert status == expect, data
        return json.loads(data)

    def wait(
        self,
        user: str,
        conv: str,
        check: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            st = self.state(user, conv)
            if check(st):
                return st
            if time.monotonic() > deadline:
                raise AssertionError(f"page data of {user} in {conv} never matched: {st}")
            time.sleep(0.1)

    def type(self, user: str, text: str, conv: str = CHANNEL) -> dict[str, Any]:
        return self.post("/api/command", {"user": user, "conv": conv, "text": text})

    def modal(self, user: str) -> dict[str, Any]:
        st = self.wait(user, CHANNEL, lambda s: s["modal"] is not None)
        return st["modal"]

    def submit(self, user: str, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        view_id = self.modal(user)["view_id"]
        return self.post("/api/submit", {"user": user, "view_id": view_id, "values": values})

    def everything(self, user: str) -> str:
        """All the page data ``user`` can get: every conversation, Home and modals."""
        self.post("/api/home", {"user": user})
        time.sleep(0.3)
        first = self.state(user)
        return "".join(json.dumps(self.state(user, c["id"])) for c in first["conversations"])


@contextlib.contextmanager
def running_sandbox(tmp_path: Path, **options: Any) -> Iterator[Sandbox]:
    """A started sandbox on a free port, with the suite's short Home tab delays."""
    sandbox = Sandbox(
        db_path=tmp_path / "als-sandbox.db",
        port=0,
        start=START,
        home_interval=HOME_INTERVAL,
        home_settle=HOME_SETTLE,
        **options,
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with running_sandbox(tmp_path) as sandbox:
        yield Page(sandbox)


SETUP = {
    "name": {"name_input": "Leaders' set"},
    "members": {"members_input": [AMARA, BEN, CHEN, DIEGO, ELENA]},
    "first_date": {"first_date_input": "2026-11-25"},
    "cadence": {"cadence_input": "2"},
}


def create_set(page: Page) -> None:
    page.type(FIONA, "/als setup")
    answer = page.submit(FIONA, SETUP)
    assert answer["ok"] and answer["errors"] == {}, answer
    page.wait(FIONA, CHANNEL, lambda s: s["modal"] is None and "Leaders" in s["main"]["html"])


def topic(page: Page, user: str, title: str, scenario: str, *, shared: bool) -> None:
    page.type(user, "/als topic")
    answer = page.submit(
        user,
        {
            "response": {"response_input": "topic"},
            "title": {"title_input": title},
            "scenario": {"scenario_input": scenario},
            "question": {"question_input": "What should I do next?"},
            "sharing": {"sharing_input": "shared" if shared else "private"},
        },
    )
    assert answer["ok"] and answer["errors"] == {}, answer
    page.wait(user, CHANNEL, lambda s: s["modal"] is None)


def test_the_page_and_its_files_are_served_on_loopback(page: Page) -> None:
    assert page.url.startswith("http://127.0.0.1:")
    status, body, ctype = page.get("/")
    assert status == 200 and ctype.startswith("text/html")
    assert b"/static/app.js" in body and b"/static/style.css" in body
    assert b"http" not in body.replace(b"http-equiv", b"")  # no CDN, nothing external
    for name, kind in (("app.js", "javascript"), ("style.css", "text/css")):
        status, body, ctype = page.get(f"/static/{name}")
        assert status == 200 and kind in ctype and body
    assert page.get("/static/../server.py")[0] == 404
    st = page.state(FIONA)
    assert [p["id"] for p in st["people"]] == [p.id for p in seed.PEOPLE]
    assert len({p["tz"] for p in st["people"]}) == len(seed.PEOPLE)
    kinds = [c["kind"] for c in st["conversations"]]
    assert kinds == ["channel", "dm", "home"]
    assert "Mon 23 Nov 2026, 09:00 (Europe/London)" in st["now_text"]


def test_stopping_the_sandbox_is_quick_and_releases_its_port(tmp_path: Path) -> None:
    """stop() does not wait out a server loop's half-second poll (serve_forever's default: each
    request starts a new one, so stopping right after a request waited it all)."""
    with running_sandbox(tmp_path) as sandbox:
        assert Page(sandbox).get("/")[0] == 200
        began = time.monotonic()
        sandbox.stop()
        took = time.monotonic() - began
    assert took < 0.3, f"stop() took {took:.2f} s"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(sandbox.url, timeout=5)


def test_als_bot_sandbox_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    """The command as a person runs it: it says where to look, serves, and Ctrl-C (SIGINT)
    stops it with status 0 and no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        url = re.search(r"open (http://127\.0\.0\.1:\d+/)", lines[1])
        assert url is not None, lines
        with urllib.request.urlopen(url[1], timeout=10) as r:
            assert r.status == 200
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=20)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest
    assert "Traceback" not in rest
    assert (tmp_path / "als-sandbox.db").exists()


def test_help_answers_only_the_person_who_asked(page: Page) -> None:
    assert page.type(BEN, "/als help")["ok"]
    st = page.wait(BEN, CHANNEL, lambda s: "/als setup" in s["main"]["html"])
    assert "Only visible to you" in st["main"]["html"]
    assert "/als setup" not in page.state(AMARA)["main"]["html"]


def test_plain_messages_are_shown_but_not_sent_to_the_app(page: Page) -> None:
    """The app subscribes to no message events: a message typed in the channel or the bot's
    DM shows, as in Slack, and no event reaches the app (before: a red "HTTP 404")."""
    driver = page.sandbox.driver
    assert driver is not None
    sent: list[str] = []
    deliver = driver.event

    def recorded(event: Any, **kwargs: Any) -> Any:
        sent.append(str(event.get("type")))
        return deliver(event, **kwargs)

    driver.event = recorded  # type: ignore[method-assign]
    for conv in (CHANNEL, f"D{BEN[1:]}"):
        answer = page.type(BEN, "hello there", conv)
        assert answer == {"ok": True, "status": 200, "delivered": False}
        page.wait(BEN, conv, lambda s: "hello there" in s["main"]["html"])
    assert "message" not in sent
    # A command still goes to the app.
    assert page.type(BEN, "/als help", f"D{BEN[1:]}")["ok"]


def test_sidebar_counts_are_unread_counts(page: Page) -> None:
    def unread(user: str, looking_at: str) -> dict[str, int]:
        st = page.state(user, looking_at)
        return {c["id"]: c["count"] for c in st["conversations"]}

    dm = f"D{AMARA[1:]}"
    assert unread(AMARA, CHANNEL)[dm] == 0
    create_set(page)  # the welcome in the channel; the ground rules in Amara's DM
    page.wait(
        AMARA, CHANNEL, lambda s: any(c["id"] == dm and c["count"] for c in s["conversations"])
    )
    assert unread(AMARA, CHANNEL)[dm] == 1
    assert unread(AMARA, CHANNEL)[CHANNEL] == 0  # she is looking at it: read
    assert unread(AMARA, dm)[dm] == 0  # she opened her DM: read
    assert unread(AMARA, CHANNEL)[dm] == 0
    page.type(BEN, "/als help")  # only Ben sees the answer
    page.type(BEN, "a message for everyone")
    counts = unread(AMARA, dm)
    assert counts[CHANNEL] == 1 and counts[dm] == 0


def test_a_person_cannot_read_someone_elses_dm(page: Page) -> None:
    page.state(AMARA, f"D{BEN[1:]}", expect=403)
    page.state("U0NOBODY01", expect=404)
    page.post(
        "/api/command", {"user": AMARA, "conv": f"D{BEN[1:]}", "text": "/als help"}, expect=403
    )
    page.post("/api/command", {"user": AMARA, "conv": CHANNEL, "text": "/giphy"}, expect=400)


def test_setup_modal_field_errors_round_trip(page: Page) -> None:
    page.type(FIONA, "/als setup")
    modal = page.modal(FIONA)
    assert modal["stack"] == ["Set up a set"] or len(modal["stack"]) == 1
    assert 'data-callback-id="als_setup"' in modal["html"]
    # Another person sees no modal and cannot submit Fiona's.
    assert page.state(AMARA)["modal"] is None
    page.post("/api/submit", {"user": AMARA, "view_id": modal["view_id"], "values": {}}, expect=404)

    answer = page.submit(FIONA, {"name": {"name_input": ""}})
    assert "name" in answer["errors"], answer
    shown = page.modal(FIONA)
    assert shown["view_id"] == modal["view_id"]
    assert 'data-error-for="name"' in shown["html"]
    assert answer["errors"]["name"].split()[0] in shown["html"]

    answer = page.submit(FIONA, SETUP)
    assert answer["errors"] == {}, answer
    st = page.wait(FIONA, CHANNEL, lambda s: s["modal"] is None and "Leaders" in s["main"]["html"])
    assert "sb-error" not in st["main"]["html"]
    # Each reader sees the session time in their own zone (10:00 in London).
    assert "November 25th, 2026 at 10:00" in st["main"]["html"]
    assert "November 25th, 2026 at 19:00" in page.state(HIRO)["main"]["html"]  # Tokyo
    # Members get the ground rules in their DM with the bot.
    page.wait(AMARA, f"D{AMARA[1:]}", lambda s: "I agree" in s["main"]["html"])


def test_a_modal_with_field_errors_keeps_what_was_typed(page: Page) -> None:
    """As in Slack: the form comes back with its errors and every input as the person left
    it (text, number, date, time, select, people, radio buttons), not reset to its defaults;
    and what was typed before "More settings" was opened is kept too."""
    page.type(FIONA, "/als setup")
    view_id = page.modal(FIONA)["view_id"]
    before = {"name": {"name_input": "Typed first"}, "timezone": {"timezone_input": "Asia/Tokyo"}}
    page.post(
        "/api/action",
        {"user": FIONA, "view_id": view_id, "action_id": "als_setup_more", "values": before},
    )
    page.wait(
        FIONA, CHANNEL, lambda s: 'data-block-id="self_vote"' in (s["modal"] or {}).get("html", "")
    )
    redrawn = page.modal(FIONA)["html"]
    assert 'value="Typed first"' in redrawn and '<option value="Asia/Tokyo" selected>' in redrawn
    typed = {
        "name": {"name_input": ""},  # the error
        "members": {"members_input": [AMARA, BEN]},
        "first_date": {"first_date_input": "2026-11-25"},
        "first_time": {"first_time_input": "18:30"},
        "cadence": {"cadence_input": "3"},
        "length": {"length_input": "150"},
        "place": {"place_input": "Room 4"},
        "timezone": {"timezone_input": "Asia/Tokyo"},
        "self_vote": {"self_vote_input": "self_vote"},
    }
    answer = page.submit(FIONA, typed)
    assert "name" in answer["errors"], answer
    shown = page.modal(FIONA)["html"]
    assert 'data-error-for="name"' in shown
    for value in ("2026-11-25", "18:30", "150", "Room 4"):
        assert f'value="{value}"' in shown, value
    assert '<option value="3" selected>' in shown
    assert f'<option value="{AMARA}" selected>' in shown
    assert f'<option value="{BEN}" selected>' in shown
    assert f'<option value="{CHEN}" selected>' not in shown
    assert re.search(r'<input type="radio"[^>]*value="self_vote" checked', shown)
    assert '<option value="Asia/Tokyo" selected>' in shown


def test_closing_a_modal(page: Page) -> None:
    page.type(FIONA, "/als setup")
    modal = page.modal(FIONA)
    assert page.post("/api/close", {"user": FIONA, "view_id": modal["view_id"]})["ok"]
    assert page.state(FIONA)["modal"] is None


def test_the_sandbox_clock_runs_on_and_ticks_each_minute_and_never_goes_back(
    tmp_path: Path,
) -> None:
    """From the time set, the clock follows real time (here an injected wall clock) and runs a
    scheduler pass each whole minute it passes, as serve does; the page cannot move it back."""
    wall = [1000.0]
    with running_sandbox(tmp_path, wall=lambda: wall[0]) as sandbox:
        page = Page(sandbox)
        create_set(page)
        # The prompts for the second session (9 Dec) are due a week before, 10:00 London
        # (= UTC): 11:00 for Amara in Lagos.
        answer = page.post("/api/time", {"user": FIONA, "at": "2026-12-02T09:59", "tz": "UTC"})
        assert "reminder" not in answer["summary"], answer
        wall[0] += 30
        assert sandbox.run_on() is None  # 09:59:30: no minute passed, no pass
        assert sandbox.clock().isoformat() == "2026-12-02T09:59:30+00:00"
        assert "als_topic_open" not in page.state(AMARA, f"D{AMARA[1:]}")["main"]["html"]
        wall[0] += 40
        said = sandbox.run_on()  # 10:00:10: the pass of 10:00 sends the prompts
        assert said is not None and re.search(r"\d+ reminders? sent", said), said
        page.wait(AMARA, f"D{AMARA[1:]}", lambda s: "als_topic_open" in s["main"]["html"])
        assert sandbox.run_on() is None  # the same minute: no second pass

        # Back in time: refused, in a sentence; the clock is where it was.
        refused = page.post(
            "/api/time", {"user": FIONA, "at": "2026-12-01T09:00", "tz": "UTC"}, expect=400
        )
        assert "only moves forward" in json.dumps(refused)
        page.post("/api/time", {"user": FIONA, "advance_minutes": -60}, expect=400)
        assert sandbox.clock().isoformat() == "2026-12-02T10:00:10+00:00"


def test_time_control_runs_the_scheduler_as_of_that_moment(page: Page) -> None:
    create_set(page)
    # The second session is two weeks after the first (25 Nov): its prep prompt is due a
    # week before it; 14:00 UTC is daytime for Amara in Lagos.
    answer = page.post("/api/time", {"user": FIONA, "at": "2026-12-02T14:00", "tz": "UTC"})
    assert answer["now"] == "2026-12-02T14:00:00+00:00"
    assert re.search(r"\d+ reminders? sent", answer["summary"]), answer["summary"]
    assert "tick at" not in answer["summary"]  # a user's words, not the log line
    st = page.state(AMARA, f"D{AMARA[1:]}")
    assert "Wed 02 Dec 2026, 15:00 (Africa/Lagos)" in st["now_text"]
    assert "als_topic_open" in st["main"]["html"]  # the prompt's button to the topic modal
    step = page.post("/api/time", {"user": FIONA, "advance_minutes": 60})
    assert step["now"] == "2026-12-02T15:00:00+00:00"
    page.post("/api/time", {"user": FIONA, "at": "not a time"}, expect=400)


def test_private_topic_text_never_reaches_another_persons_page(page: Page) -> None:
    create_set(page)
    topic(page, AMARA, "Managing up", SECRET, shared=False)
    topic(page, BEN, "Hiring well", "Shared scenario about hiring", shared=True)
    assert page.type(FIONA, "/als agenda")["ok"]
    page.wait(FIONA, CHANNEL, lambda s: "Managing up" in s["main"]["html"])
    for person in seed.PEOPLE:
        seen = page.everything(person.id)
        if person.id != AMARA:
            assert SECRET not in seen and "Zebra" not in seen, person.real_name


def test_a_sessions_calendar_entry_shows_in_the_sandbox(page: Page) -> None:
    """``/als calendar`` in the sandbox: the feed is served at the sandbox's own address, and
    the next session sent as a file opens in the page as its calendar entry."""
    create_set(page)
    page.type(AMARA, "/als calendar")
    st = page.wait(AMARA, CHANNEL, lambda s: "/calendar/" in s["main"]["html"])
    link = re.search(r"(/calendar/[A-Za-z0-9_.=-]+\.ics)", st["main"]["html"])
    assert link, st["main"]["html"]
    status, body, kind = page.get(link.group(1))
    assert status == 200 and kind.startswith("text/calendar") and b"BEGIN:VEVENT" in body

    [answer] = [e for e in page.sandbox.slack.ephemerals(user_id=AMARA) if "calendar" in e.text]
    page.post(
        "/api/action",
        {"user": AMARA, "conv": CHANNEL, "ts": answer.ts, "action_id": "als_calendar_file"},
    )
    dm = f"D{AMARA[1:]}"
    st = page.wait(AMARA, dm, lambda s: "sb-file" in s["main"]["html"])
    href = re.search(r'class="sb-file" href="([^"]+)"', st["main"]["html"])
    assert href, st["main"]["html"]
    status, entry, _ = page.get(href.group(1))
    assert status == 200 and b"SUMMARY:Leaders' set (Action Learning Set)" in entry
    assert b"DTSTART;TZID=Europe/London:20261125T100000" in entry


def message_with(sandbox: Sandbox, action_id: str, *, thread: bool = False) -> Any:
    """The channel's last message with a button ``action_id`` (in the agenda's thread, or not)."""
    found = [
        m
        for m in sandbox.slack.messages(CHANNEL)
        if action_id in json.dumps(m.blocks or [])
        and bool(m.thread_ts and m.thread_ts != m.ts) == thread
    ]
    assert found, action_id
    return found[-1]


def click(page: Page, user: str, action_id: str, message: Any) -> dict[str, Any]:
    return page.post(
        "/api/action",
        {"user": user, "conv": CHANNEL, "ts": message.ts, "action_id": action_id},
    )


def confirmed_agenda(page: Page) -> Any:
    """The set, two topics (no vote needed) and the agenda confirmed by Fiona."""
    create_set(page)
    topic(page, AMARA, "Managing up", "My boss and I disagree.", shared=True)
    topic(page, BEN, "Hiring well", "We need two engineers by March.", shared=True)
    page.type(FIONA, "/als agenda")
    page.wait(FIONA, CHANNEL, lambda s: "als_agenda_confirm" in s["main"]["html"])
    click(page, FIONA, "als_agenda_confirm", message_with(page.sandbox, "als_agenda_confirm"))
    page.wait(FIONA, CHANNEL, lambda s: "als_live_start" in s["main"]["html"])
    return message_with(page.sandbox, "als_live_start")


def test_the_sandbox_clock_runs_the_live_pass_every_5_seconds(tmp_path: Path) -> None:
    """A live session's stage moves on when its time is up, within 5 s of sandbox time (the
    live pass, as serve's), between the minute's passes; a jump of the time control catches it
    up in its scheduler pass."""
    wall = [1000.0]
    with running_sandbox(tmp_path, wall=lambda: wall[0]) as sandbox:
        page = Page(sandbox)
        agenda = confirmed_agenda(page)
        page.post("/api/time", {"user": FIONA, "at": "2026-11-25T09:58", "tz": "UTC"})
        wall[0] += 20
        assert sandbox.run_on() is None  # 09:58:20: a live pass, with nothing to move
        assert click(page, FIONA, "als_live_start", agenda)["ok"]
        # The opening's check-in: a third of its 15 minutes, from 09:58:20.
        page.wait(FIONA, CHANNEL, lambda s: "Now: Check-in" in s["main"]["html"])
        wall[0] += 290  # 10:03:10: the minute's passes, nothing due yet
        assert sandbox.run_on() is not None
        assert "Now: Check-in" in page.state(FIONA)["main"]["html"]
        wall[0] += 3
        assert sandbox.run_on() is None  # 10:03:13: no pass due (the next live pass: :15)
        wall[0] += 7
        assert sandbox.run_on() == "The live session moved on."  # 10:03:20: by the live pass
        page.wait(FIONA, CHANNEL, lambda s: "Now: Report-back round" in s["main"]["html"])
        assert sandbox.run_on() is None  # the same instant: no second pass

        # The time control jumps 15 minutes: the round's time is up at 10:13:20; its
        # scheduler pass moves the session on to the first topic (presenting: 10 minutes).
        answer = page.post("/api/time", {"user": FIONA, "advance_minutes": 15})
        assert "the live session moved on" in answer["summary"], answer
        page.wait(FIONA, CHANNEL, lambda s: "Now: Presenting" in s["main"]["html"])
        assert "Topic 1: Managing up" in page.state(FIONA)["main"]["html"]


def test_a_failed_live_pass_is_said_not_raised_and_the_next_one_runs(tmp_path: Path) -> None:
    wall = [1000.0]
    with running_sandbox(tmp_path, wall=lambda: wall[0]) as sandbox:
        assert sandbox.app is not None
        ticker = sandbox.app.ticker
        live = ticker.live
        calls: list[datetime] = []

        def broken(at: datetime, **kwargs: Any) -> int:
            calls.append(at)
            raise RuntimeError("the database is away")

        ticker.live = broken  # type: ignore[method-assign]
        wall[0] += 5
        said = sandbox.run_on()
        assert said is not None and "live pass" in said and "RuntimeError" in said, said
        assert "database" not in said  # one line, no detail
        ticker.live = live  # type: ignore[method-assign]
        wall[0] += 5
        assert sandbox.run_on() is None  # runs again, nothing to move
        assert calls == [datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)]


def test_help_me_ask_shows_in_the_thread_only_for_who_asked(page: Page) -> None:
    """The live session from the page: Start session, Next stage, and a member's cue card
    (an ephemeral answer to a click in the thread shows in that thread, as in Slack)."""
    agenda = confirmed_agenda(page)
    page.post("/api/time", {"user": FIONA, "at": "2026-11-25T09:58", "tz": "UTC"})
    click(page, FIONA, "als_live_start", agenda)
    # Two sends after the ack (the part's message, the start's notice): wait for both.
    page.wait(
        FIONA,
        CHANNEL,
        lambda s: (
            "Now: Check-in" in s["main"]["html"] and "The session has started" in s["main"]["html"]
        ),
    )
    # Next stage: the report-back round, the first topic's presenting, its first questions.
    for stage in ("Report-back round", "Presenting", "Clarifying questions"):
        click(
            page, FIONA, "als_live_next", message_with(page.sandbox, "als_live_next", thread=True)
        )
        st = page.wait(AMARA, CHANNEL, lambda s, now=stage: f"Now: {now}" in s["main"]["html"])
    assert "als_live_help" in st["main"]["html"]
    click(page, BEN, "als_live_help", message_with(page.sandbox, "als_live_help", thread=True))
    st = page.wait(BEN, CHANNEL, lambda s: "What have you tried so far?" in s["main"]["html"])
    thread = st["main"]["html"].split('class="sb-thread"', 1)[1]
    assert "What have you tried so far?" in thread and "Only visible to you" in thread
    assert "What have you tried so far?" not in page.state(AMARA)["main"]["html"]


def test_the_reports_charts_show_as_images_with_their_alt_text(page: Page) -> None:
    """``/als report`` in the sandbox, then *Send me the charts*: the images show in the DM,
    served as PNG, each with the alt text that carries its figures."""
    confirmed_agenda(page)
    page.type(AMARA, "/als report")
    page.wait(AMARA, CHANNEL, lambda s: "als_report_charts" in s["main"]["html"])
    [answer] = [e for e in page.sandbox.slack.ephemerals(user_id=AMARA) if "Report" in e.text]
    page.post(
        "/api/action",
        {"user": AMARA, "conv": CHANNEL, "ts": answer.ts, "action_id": "als_report_charts"},
    )
    dm = f"D{AMARA[1:]}"
    st = page.wait(AMARA, dm, lambda s: "sb-image" in s["main"]["html"])
    image = re.search(r'<img src="([^"]+airtime\.png)" alt="([^"]+)"', st["main"]["html"])
    assert image, st["main"]["html"]
    assert "Airtime per member:" in image.group(2)
    status, body, kind = page.get(image.group(1))
    assert status == 200 and kind == "image/png" and body.startswith(b"\x89PNG")
