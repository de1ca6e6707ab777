"""The programme report (issue 19, point 3), through the Slack surface on both databases: only
organisers see it (admins, and people a set's lead names); a row per set and the total; no
figure from fewer than 3 people, nor a total that would reveal one; groups of sets."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.errors import NotAllowed
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.services.programme import ProgrammeService
from bot.services.views.report import COLUMNS
from bot.storage.db import Database
from bot.storage.models import Topic
from tests.conftest import FAC, MEMBERS, OUTSIDER, PUBLIC_CHANNEL, SET_CHANNEL
from tests.helpers import (
    create_set,
    dm_file,
    field_errors,
    forge_button,
    last_response_text,
    private_answer,
    settle,
    texts,
)
from tests.test_actions import commit_values, open_commit
from tests.test_attendance_record import AFTER, held_session
from tests.test_reminders import tick
from tests.test_review import rate

A, B, C, D, E = MEMBERS
ADMIN = "U0ADMIN001"


def programme(driver: SlackDriver, slack: FakeSlack, user: str, words: str = "") -> str:
    answer = private_answer(driver, slack, user, f"report programme {words}".strip(), None)
    shown = answer.text + (texts(answer.blocks) if answer.blocks else "")
    return re.sub(r'"block_id": "[^"]*"', "", shown)


def row_of(shown: str, name: str) -> str:
    """The line of figures under a set's name (or the total's)."""
    found = re.search(rf"\*{re.escape(name)}\*[^\\]*\\n([^\"]*)", shown)
    assert found, (name, shown)
    return found.group(1)


def test_organisers_see_counts_and_nothing_from_fewer_than_three(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    slack.add_user(ADMIN, "ada", real_name="Ada Admin", tz="Europe/London", is_admin=True)
    ticker = held_session(als, driver, slack, db, clock)  # the first set: A, B, C present
    agenda = next(m for m in slack.messages(SET_CHANNEL) if "als_agenda_confirm" in texts(m.blocks))
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=agenda.ts)
    settle(slack)
    with db.read() as s:
        topic_of = {t.author_id: t.id for t in s.scalars(select(Topic))}
    # Two actions, both A's: a count from one person.
    open_commit(driver, slack, A, agenda, topic_of[A])
    values = commit_values([("SECRET-ACTION one", None), ("SECRET-ACTION two", None)])
    assert field_errors(driver.submit_view(A, values=values)) is None
    settle(slack)
    tick(ticker, clock, AFTER)
    for user, score in ((A, 4), (B, 2)):  # two answers so far
        rate(driver, slack, user, score)
    # A second set, of two members.
    made = create_set(
        driver,
        slack,
        channel=PUBLIC_CHANNEL,
        name="Pair set",
        members=[D, E],
        first_date="2027-01-11",
    )
    assert field_errors(made) is None

    # Not an organiser: refused; the lead names one in a form (the admin needs no naming).
    assert "for organisers" in programme(driver, slack, OUTSIDER)
    assert "for organisers" in programme(driver, slack, A)  # a member is not one either
    assert "Organisers" in private_answer(driver, slack, A, "organisers").text  # read only
    before = len(slack.calls_to("views.open"))
    driver.command(FAC, "organisers", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    saved = driver.submit_view(FAC, values={"organisers": {"organisers_input": [OUTSIDER]}})
    assert field_errors(saved) is None
    settle(slack)

    # The CSV, a row per set and session: the first session's usefulness from 2 answers is
    # hidden; then a third answer shows it (3 + 4 + 2) / 3 = 3.0.
    assert "in your DM" in programme(driver, slack, OUTSIDER, "csv")
    rows = dm_file(slack, OUTSIDER, "programme-report.csv").splitlines()
    assert rows[0] == "set,group,session,held,attendance,topics presented,usefulness (1-5)"
    assert rows[1] == "Leaders' set,,2026-12-07,yes,not recorded,3,fewer than 3"
    assert any(r.startswith("Pair set,,2027-01-11,planned,") for r in rows)
    assert "SECRET" not in "\n".join(rows)
    rate(driver, slack, FAC, 3)
    private_answer(driver, slack, OUTSIDER, "report programme csv")
    rows = dm_file(slack, OUTSIDER, "programme-report.csv").splitlines()
    assert rows[1] == "Leaders' set,,2026-12-07,yes,not recorded,3,3.0"
    assert "for organisers" in programme(driver, slack, A, "csv")

    shown = programme(driver, slack, OUTSIDER)
    assert shown == programme(driver, slack, ADMIN)
    first = row_of(shown, "Leaders' set")
    assert "Members: 5" in first and "Sessions held: 1" in first
    assert "Topics presented: 3" in first and "Usefulness (1-5): 3.0" in first
    assert "Actions committed: fewer than 3" in first and "Actions done: 0" in first
    assert "Goals written: 0" in first  # from nobody: a zero is about no one
    pair = row_of(shown, "Pair set")
    assert "Members: fewer than 3" in pair and "Topics presented: 0" in pair
    total = row_of(shown, "Total")
    # 5 + 2 members, but one of the two cells is hidden: the total would reveal it.
    assert "Members: fewer than 3" in total and "Topics presented: 3" in total
    # Nothing anyone wrote, and no figure from 1-2 people anywhere (A's 2 actions, the pair).
    assert "SECRET" not in shown and "Topic " not in shown
    assert "Actions committed: 2" not in shown and "Members: 2" not in shown

    # Every cell from 1-2 people, as the database counts them, reads "fewer than 3" in its row.
    figures = ProgrammeService(db, clock).report(slack.team_id, OUTSIDER, admin=False, group=None)
    small = 0
    for row in figures.rows:
        line = row_of(shown, row.name)
        for key, label in COLUMNS:
            if 1 <= row.cells[key].people < 3:
                small += 1
                assert f"{label}: fewer than 3" in line, (row.name, key)
    assert small >= 2  # A's actions committed (1 person), the pair's members (2)

    # The chart: an image in the organiser's DM whose alt text hides what the report hides.
    answer = private_answer(driver, slack, OUTSIDER, "report programme", None)
    driver.click(OUTSIDER, "als_programme_chart", channel_id=answer.channel, message_ts=answer.ts)
    slack.wait_for("files.completeUploadExternal")
    settle(slack)
    [chart] = [
        f
        for m in slack.dm_messages(OUTSIDER)
        for f in (m.files or [])
        if f["name"] == "programme.png"
    ]
    assert (slack.file_content(chart["id"]) or b"").startswith(b"\x89PNG")
    assert "Leaders' set: attendance not recorded, usefulness 3.0" in chart["alt_txt"]
    assert "Pair set: attendance not recorded, usefulness no answers" in chart["alt_txt"]
    assert "SECRET" not in chart["alt_txt"]
    # A forged click from someone who is not an organiser: refused, nothing sent.
    uploads = len(slack.calls_to("files.completeUploadExternal"))
    forge_button(driver, slack, A, SET_CHANNEL, "1700000000.000100", "als_programme_chart", "*")
    settle(slack)
    assert "for organisers" in last_response_text(slack)
    assert len(slack.calls_to("files.completeUploadExternal")) == uploads

    # Groups: the lead puts the first set in one; a filter shows its sets; no set matches: said.
    told = private_answer(driver, slack, FAC, "organisers group 2027 cohort").text
    assert "2027 cohort" in told
    cohort = programme(driver, slack, OUTSIDER, "2027 Cohort")
    assert "Leaders' set" in cohort and "Pair set" not in cohort
    assert "No set is in the group" in programme(driver, slack, OUTSIDER, "2026")
    assert (
        "only the facilitator"
        in private_answer(driver, slack, A, "organisers group mine").text.lower()
    )

    # Organisers of one workspace are nobody's in another.
    with pytest.raises(NotAllowed):
        ProgrammeService(db, clock).report("T0OTHER001", OUTSIDER, admin=False, group=None)
