"""The whole ALS cycle clicked through the sandbox page in a real browser (Debian's Chromium,
driven by Playwright). Also takes the README's screenshots (docs/screenshots/)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import seed
from bot.sandbox.server import Sandbox
from tests.test_sandbox_server import Page, confirmed_agenda, running_sandbox

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
FIONA, AMARA, BEN, CHEN, DIEGO, ELENA, HIRO = (p.id for p in seed.PEOPLE)
SECRET = "Zebra-crossing secret: my boss reads my email"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no browser: /usr/bin/chromium is missing (apt-get install -y chromium; .ci/run does it)",
)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path) as sb:
        yield sb


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        pg = context.new_page()
        # Only the sandbox itself may be reached: anything else would leave the machine.
        outside: list[str] = []

        def guard(route: Any) -> None:
            if route.request.url.startswith(sandbox.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        pg.route("**/*", guard)
        pg.on("dialog", lambda dialog: dialog.accept())
        pg.goto(sandbox.url)
        try:
            yield pg
        finally:
            context.close()
            browser.close()
        assert outside == []


# ------------------------------------------------------------------------------ steps
def act_as(page: Any, user: str) -> None:
    page.select_option("#sb-person", user)
    expect(page.locator("body")).to_have_attribute("data-user", user)


def go(page: Any, kind: str) -> None:
    page.click(f".sb-conv[data-kind={kind}]")
    expect(page.locator(f".sb-conv-current[data-kind={kind}]")).to_be_visible()


def say(page: Any, text: str) -> None:
    page.fill("#sb-text", text)
    page.press("#sb-text", "Enter")


def modal(page: Any, title: str) -> Any:
    found = page.locator("#sb-overlay .sb-modal")
    expect(found).to_be_visible()
    expect(found.locator(".sb-modal-title")).to_contain_text(title)
    return found


def field(m: Any, block_id: str, css: str = "input, textarea, select") -> Any:
    return m.locator(f'.sb-input[data-block-id="{block_id}"]').locator(css).first


def submit(page: Any) -> None:
    page.click("#sb-overlay [data-role=submit]")


def closed(page: Any) -> None:
    expect(page.locator("#sb-overlay")).to_be_hidden()


def feed(page: Any) -> Any:
    return page.locator("#sb-feed")


def write_topic(page: Any, user: str, title: str, scenario: str, *, shared: bool) -> None:
    act_as(page, user)
    go(page, "channel")
    say(page, "/als topic")
    m = modal(page, "Your topic")
    m.locator('.sb-input[data-block-id="response"] input[value="topic"]').check()
    field(m, "title").fill(title)
    field(m, "scenario").fill(scenario)
    field(m, "question").fill("What should I try next?")
    m.locator(
        f'.sb-input[data-block-id="sharing"] input[value="{"shared" if shared else "private"}"]'
    ).check()
    submit(page)
    closed(page)


def vote(page: Any, user: str, counts: dict[str, str]) -> None:
    """``counts``: topic title -> votes. Opens the ballot from the vote message."""
    act_as(page, user)
    go(page, "channel")
    feed(page).locator("button[data-action-id=als_vote_open]").last.click()
    m = modal(page, "Agenda vote")
    for title, count in counts.items():
        section = m.locator(".sb-section", has_text=title)
        select = section.locator("select[data-action-id^=als_vote_topic_]")
        select.select_option(count)
        expect(m.locator(".sb-section", has_text=title).locator("select")).to_have_value(count)
    page.click("#sb-overlay [data-role=close]")
    closed(page)


def set_time(page: Any, local: str) -> None:
    page.fill("#sb-at", local)
    page.click("#sb-go")
    # What the pass did, in a user's words ("3 reminders sent; 1 waits for its reader's
    # morning"), not the scheduler's log line.
    said = re.compile(r"reminders? sent|Nothing was due|wait|closed|delivered|moved on")
    expect(page.locator("#sb-status")).to_have_text(said)
    expect(page.locator("#sb-status")).not_to_contain_text("tick at")


def screenshot(page: Any, selector: str, name: str) -> None:
    """A screenshot of ``selector`` once the page has stopped redrawing it (a Home tab can be
    republished a few times after a change: each redraw replaces the element)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for attempt in range(10):
        page.wait_for_timeout(300)
        try:
            page.locator(selector).screenshot(path=str(SHOTS / name), timeout=3000)
            return
        except sync_api.Error:
            if attempt == 9:
                raise


def never_shows_secret(page: Any, user: str) -> None:
    act_as(page, user)
    for kind in ("channel", "dm", "home"):
        go(page, kind)
        page.wait_for_timeout(300)
        assert "Zebra" not in page.content(), (user, kind)


# ------------------------------------------------------------------------------ the test
def test_whole_cycle_in_the_browser(page: Any) -> None:
    expect(page.locator("#sb-now")).to_contain_text("23 Nov 2026")
    act_as(page, FIONA)
    go(page, "channel")

    # Escape closes a modal, as in Slack.
    say(page, "/als setup")
    modal(page, "Set up")
    page.keyboard.press("Escape")
    closed(page)

    # Step 1 of the README: from Home (Fiona is in no set yet), "Create a set", the channel,
    # then the set-up form; a missing name is refused field by field first.
    go(page, "home")
    home = page.locator("#sb-feed .sb-home")
    expect(home).to_contain_text("asking questions rather than giving advice")
    screenshot(page, "#sb-feed .sb-home", "home-start.png")
    home.locator("button[data-action-id=als_home_create_set]").click()
    m = modal(page, "Set up")
    field(m, "channel", "select").select_option(seed.SET_CHANNEL.id)
    submit(page)
    m = modal(page, "Set up")
    expect(m.locator('.sb-input[data-block-id="timezone"] select')).to_have_value("Europe/London")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1700})  # the whole form
    page.wait_for_timeout(500)  # the page redraws on resize
    modal(page, "Set up")
    screenshot(page, "#sb-overlay .sb-modal", "setup.png")
    page.set_viewport_size(size)
    page.wait_for_timeout(500)
    m = modal(page, "Set up")
    field(m, "name").fill("")
    submit(page)
    error = m.locator('.sb-error[data-error-for="name"]')
    expect(error).to_be_visible()
    m = modal(page, "Set up")
    field(m, "name").fill("Leaders' set")
    field(m, "members", "select").select_option([AMARA, BEN, CHEN, DIEGO, ELENA])
    field(m, "first_date").fill("2026-11-25")
    field(m, "cadence", "select").select_option("2")
    # "More settings" redraws the form with the rest, keeping what was typed.
    m.locator("button[data-action-id=als_setup_more]").click()
    expect(m.locator('.sb-input[data-block-id="ground_rules"]')).to_be_visible()
    expect(field(m, "name")).to_have_value("Leaders' set")
    submit(page)  # the other defaults: 3-hour sessions, three places on an agenda
    closed(page)
    go(page, "channel")
    expect(feed(page)).to_contain_text("Leaders' set")
    # The confirmation is Fiona's alone; dates are shown in the reader's zone.
    expect(page.locator(".sb-only-you").first).to_be_visible()
    expect(feed(page)).to_contain_text("November 25th, 2026 at 10:00")

    # Four members bring topics (four for three places: a vote); Amara's preparation is
    # private. (The README's walk-through, step by step.)
    write_topic(page, AMARA, "Managing up", SECRET, shared=False)
    write_topic(page, BEN, "Hiring well", "We need two engineers by March.", shared=True)
    write_topic(page, ELENA, "Saying no", "Too many projects land on my team.", shared=True)
    write_topic(page, DIEGO, "Delegating", "I still do my old job as well.", shared=True)

    # The facilitator opens the vote; members vote.
    act_as(page, FIONA)
    go(page, "channel")
    say(page, "/als agenda")
    expect(feed(page).locator("button[data-action-id=als_vote_open]")).to_be_visible()
    vote(page, AMARA, {"Hiring well": "2", "Saying no": "1"})
    vote(page, CHEN, {"Hiring well": "2", "Saying no": "1"})
    vote(page, DIEGO, {"Saying no": "2", "Managing up": "1"})

    # The vote closes into the agenda; the facilitator confirms it.
    act_as(page, FIONA)
    go(page, "channel")
    feed(page).locator("button[data-action-id=als_vote_close]").last.click()
    confirm = feed(page).locator("button[data-action-id=als_agenda_confirm]")
    expect(confirm).to_be_visible()
    confirm.last.click()
    commit = feed(page).locator("button[data-action-id=als_commit_open]")
    expect(commit.first).to_be_visible()
    agenda = (
        feed(page)
        .locator(".sb-item")
        .filter(has=page.locator("button[data-action-id=als_commit_open]"))
        .last
    )
    agenda.screenshot(path=str(SHOTS / "agenda.png"))

    # Ben, a presenter, commits actions from the agenda message.
    act_as(page, BEN)
    go(page, "channel")
    ben_item = feed(page).locator(".sb-section", has_text="Hiring well")
    ben_item.locator("button[data-action-id=als_commit_open]").click()
    m = modal(page, "Commit actions")
    field(m, "action_0").fill("Rewrite the job advert with the team")
    submit(page)
    closed(page)
    # Shared actions get a line in the agenda message's thread.
    expect(feed(page).locator(".sb-thread")).to_contain_text("Rewrite the job advert")
    act_as(page, HIRO)
    expect(feed(page)).to_contain_text("November 25th, 2026 at 19:00")  # Tokyo

    # Run the session (from an hour before it, until 12 hours after its end): Fiona starts it
    # on the agenda; it runs in the agenda's thread, and the clock moves it on (the whole
    # session: test_a_live_session_runs_in_the_agendas_thread).
    act_as(page, FIONA)
    set_time(page, "2026-11-25T09:55")
    feed(page).locator("button[data-action-id=als_live_start]").last.click()
    live = feed(page).locator(".sb-thread", has_text="Opening")
    expect(live).to_contain_text("Now: Check-in")
    live.locator("button[data-action-id=als_live_next]").click()
    expect(live).to_contain_text("Now: Report-back round")
    set_time(page, "2026-11-25T10:10")
    expect(live).to_contain_text("Now: Presenting")

    # A week before the next session (9 Dec, 10:00 London): the prep prompt arrives.
    act_as(page, FIONA)
    set_time(page, "2026-12-02T14:00")
    expect(page.locator("#sb-now")).to_contain_text("02 Dec 2026, 14:00")
    act_as(page, AMARA)
    go(page, "dm")
    expect(feed(page).locator("button[data-action-id=als_topic_open]").last).to_be_visible()

    # Three days before: the report-back reminder reaches Ben (he has open actions).
    act_as(page, FIONA)
    set_time(page, "2026-12-06T14:00")
    act_as(page, BEN)
    go(page, "dm")
    report = feed(page).locator("button[data-action-id=als_action_report]")
    expect(report.last).to_be_visible()
    expect(feed(page)).to_contain_text("Rewrite the job advert")
    # Amara has no actions: no report-back reminder in her DM.
    act_as(page, AMARA)
    go(page, "dm")
    expect(feed(page).locator("button[data-action-id=als_topic_open]").last).to_be_visible()
    assert feed(page).locator("button[data-action-id=als_action_report]").count() == 0

    # Ben reports back.
    act_as(page, BEN)
    go(page, "dm")
    feed(page).locator("button[data-action-id=als_action_report]").last.click()
    m = modal(page, "Report")
    m.locator('.sb-input[data-block-id="status"] input[type=radio]').first.check()
    field(m, "happened").fill("Posted the advert; three good applicants.")
    submit(page)
    closed(page)

    # The report-back round appears in the channel.
    act_as(page, FIONA)
    go(page, "channel")
    say(page, "/als agenda reportback")
    round_ = feed(page).locator(".sb-item").last
    expect(round_).to_contain_text(re.compile("report", re.I))
    expect(round_).to_contain_text("Ben Carter")
    expect(round_).to_contain_text("Rewrite the job advert")

    # Facilitation hands over: the lead for the first two sessions, then members in turn.
    say(page, "/als rota")
    feed(page).locator("button[data-action-id=als_rota_open]").last.click()
    m = modal(page, "Facilitator rota")
    m.locator('.sb-input[data-block-id="mode"] input[type=radio]').nth(1).check()
    submit(page)
    closed(page)
    rota = feed(page).locator(".sb-item").last
    expect(rota).to_contain_text("The facilitator rota changed")
    expect(rota).to_contain_text("then members take turns")
    expect(rota).to_contain_text("Amara Okafor")

    # The facilitator's Home tab.
    go(page, "home")
    home = page.locator("#sb-feed .sb-home")
    expect(home).to_be_visible()
    expect(home).to_contain_text("Leaders' set")
    screenshot(page, "#sb-feed .sb-home", "home.png")

    # Amara's private preparation never shows for anyone else.
    for person in (FIONA, BEN, CHEN, ELENA):
        never_shows_secret(page, person)


def test_a_live_session_runs_in_the_agendas_thread(page: Any, sandbox: Sandbox) -> None:
    """The live session from the page: the facilitator starts it on the confirmed agenda, it
    runs in the agenda's thread; Next stage, the time control moving the stages on by
    themselves, a member's Help me ask in a question stage, End topic and End session with
    their confirm dialogs."""
    agenda = confirmed_agenda(Page(sandbox))  # a set, two topics, the agenda confirmed
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))  # the fixture accepts
    act_as(page, FIONA)
    go(page, "channel")
    set_time(page, "2026-11-25T09:58")  # from an hour before the session (10:00) it may start
    start = feed(page).locator(
        f'.sb-item[data-ts="{agenda.ts}"] button[data-action-id=als_live_start]'
    )
    start.click()
    thread = feed(page).locator(".sb-thread").last
    expect(thread).to_contain_text("Opening")
    expect(thread).to_contain_text("Now: Check-in")
    expect(feed(page)).to_contain_text("The session has started")

    # Next stage, by the facilitator.
    thread.locator("button[data-action-id=als_live_next]").click()
    expect(thread).to_contain_text("Now: Report-back round")

    # The time control: the report-back round's time is up (10:08), and the first topic's
    # presenting too: the stages moved on by themselves, to the first question stage.
    set_time(page, "2026-11-25T10:20")
    expect(page.locator("#sb-status")).to_contain_text("the live session moved on")
    expect(thread).to_contain_text("Topic 1: Managing up")
    expect(thread).to_contain_text("Now: Clarifying questions")

    # A member asks for help with the questions: the cue card, in the thread, for them only.
    act_as(page, CHEN)
    go(page, "channel")
    thread = feed(page).locator(".sb-thread").last
    thread.locator("button[data-action-id=als_live_help]").click()
    card = thread.locator(".sb-ephemeral")
    expect(card).to_contain_text("Clarifying questions")
    expect(card).to_contain_text("What have you tried so far?")
    expect(card).to_contain_text("Only visible to you")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1400})  # the whole thread
    page.mouse.move(0, 0)  # no hover highlight in the picture
    page.wait_for_timeout(500)
    screenshot(page, "#sb-feed .sb-thread >> nth=-1", "live.png")
    page.set_viewport_size(size)
    act_as(page, BEN)
    go(page, "channel")
    expect(feed(page).locator(".sb-thread").last).to_contain_text("Now: Clarifying questions")
    assert feed(page).locator(".sb-ephemeral", has_text="What have you tried").count() == 0

    # End topic and End session ask first, as in Slack (the dialogs are accepted).
    act_as(page, FIONA)
    go(page, "channel")
    thread = feed(page).locator(".sb-thread").last
    thread.locator("button[data-action-id=als_live_end_part]").click()
    expect(thread).to_contain_text("Topic 2: Hiring well")
    assert any("End this topic?" in d for d in dialogs), dialogs
    thread.locator("button[data-action-id=als_live_end_part]").click()
    expect(thread).to_contain_text("Now: Closing reflection")
    thread.locator("button[data-action-id=als_live_end]").click()
    expect(thread).to_contain_text("Session ended")
    assert any("End the session?" in d for d in dialogs), dialogs


def test_the_page_works_at_400_px_and_has_an_emoji_font(page: Any) -> None:
    page.set_viewport_size({"width": 400, "height": 800})
    act_as(page, FIONA)
    go(page, "channel")
    say(page, "/als help")
    expect(feed(page)).to_contain_text("/als setup")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at 400 px ({width} px wide)"
    expect(page.locator("#sb-text")).to_be_visible()
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    assert "Noto Color Emoji" in fonts, "the emoji font .ci/run installs is missing"
