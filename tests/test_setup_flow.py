"""``/als setup`` end to end: signed requests into the real app, the fake Slack records calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import LearningSet, Membership, PlannedSession, RulesAgreement
from tests.conftest import (
    FAC,
    GHOST,
    MEMBERS,
    NOBOT_CHANNEL,
    OUTSIDER,
    PUBLIC_CHANNEL,
    ROBOT,
    SET_CHANNEL,
)
from tests.helpers import (
    create_set,
    field_errors,
    last_response_text,
    more_settings,
    mrkdwn_texts,
    open_setup,
    settle,
    setup_values,
    texts,
)


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_setup_opens_modal_with_caller_zone_and_defaults(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    slack.update_user(FAC, tz="America/Chicago")
    view = open_setup(driver, slack)
    assert view["callback_id"] == "als_setup"
    body = texts(view["blocks"])
    assert "America/Chicago" in body  # the zone field and the note next to the pickers
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["facilitator"]["element"]["initial_user"] == FAC
    assert blocks["length"]["element"]["initial_value"] == "180"
    assert blocks["first_date"]["element"]["type"] == "datepicker"
    assert blocks["first_time"]["element"]["type"] == "timepicker"
    zone = blocks["timezone"]["element"]
    assert zone["type"] == "static_select"  # chosen from a list, not typed
    assert zone["initial_option"]["value"] == "America/Chicago"
    # The essentials only; the rest behind "More settings", with today's defaults.
    assert "ground_rules" not in blocks and "budget" not in blocks
    blocks = {b.get("block_id"): b for b in more_settings(driver, slack)["blocks"]}
    assert "Confidentiality" in blocks["ground_rules"]["element"]["initial_value"]
    assert blocks["budget"]["element"]["initial_value"] == "3"


def test_create_set_end_to_end(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    response = create_set(driver, slack, first_time="10:00", timezone="Europe/London")
    assert field_errors(response) is None

    # One set, six memberships, the facilitator flagged, four planned sessions at 10:00 London.
    with db.read() as s:
        lset = s.scalars(select(LearningSet)).one()
        assert (lset.team_id, lset.channel_id, lset.name) == (
            slack.team_id,
            SET_CHANNEL,
            "Leaders' set",
        )
        members = s.scalars(select(Membership)).all()
        assert {m.user_id for m in members} == {FAC, *MEMBERS}
        assert [m.user_id for m in members if m.is_facilitator] == [FAC]
        sessions = s.scalars(select(PlannedSession).order_by(PlannedSession.starts_at)).all()
    assert [x.starts_at for x in sessions] == [
        datetime(2026, 12, 7, 10, 0, tzinfo=UTC) + timedelta(weeks=4 * n) for n in range(4)
    ]
    assert all(x.timezone == "Europe/London" and x.local_time.hour == 10 for x in sessions)

    # Welcome in the channel: members, facilitator, next session as a date token, ground rules.
    welcome = slack.messages(SET_CHANNEL)[-1]
    body = texts(welcome.blocks)
    assert f"<@{FAC}>" in body and all(f"<@{m}>" in body for m in MEMBERS)
    epoch = int(datetime(2026, 12, 7, 10, 0, tzinfo=UTC).timestamp())
    assert f"<!date^{epoch}^" in body
    assert "Confidentiality" in body

    # Each member (facilitator included) gets a DM with the ground rules and "I agree".
    for person in [FAC, *MEMBERS]:
        dms = slack.dm_messages(person)
        assert len(dms) == 1, person
        assert "als_agree_rules" in texts(dms[0].blocks)

    # The facilitator's private confirmation shows who has agreed (nobody yet).
    confirmation = slack.ephemerals(SET_CHANNEL, FAC)[-1]
    assert "0 of 6" in texts(confirmation.blocks)


def test_agreeing_is_recorded_and_shown_to_the_facilitator(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    import threading

    create_set(driver, slack)
    member = MEMBERS[0]
    dm = slack.dm_messages(member)[0]
    # A double click: two clicks arrive before the message is updated. One agreement.
    clicks = [
        threading.Thread(
            target=lambda: driver.click(
                member, "als_agree_rules", channel_id=dm.channel, message_ts=dm.ts
            )
        )
        for _ in range(2)
    ]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    slack.wait_for(
        "views.publish",
        lambda c: c.args.get("user_id") == FAC and "1 of 6" in texts(c.args["view"]["blocks"]),
    )
    settle(slack)
    updated = slack.message(dm.channel, dm.ts)
    assert updated is not None and "You agreed" in texts(updated.blocks)
    assert "als_agree_rules" not in texts(updated.blocks)
    with db.read() as s:
        assert s.scalars(select(RulesAgreement.user_id)).all() == [member]
    home = slack.home_view(FAC)
    assert home is not None and "Waiting for" in texts(home["blocks"])
    # The member's own Home no longer asks them to agree; another member's still does.
    assert "als_agree_rules" not in texts(slack.home_view(member)["blocks"])  # type: ignore[index]
    assert "als_agree_rules" in texts(slack.home_view(MEMBERS[1])["blocks"])  # type: ignore[index]


def test_every_field_error_is_shown_in_the_modal_and_nothing_is_saved(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    open_setup(driver, slack)
    more_settings(driver, slack)
    forged_zone = {"text": {"type": "plain_text", "text": "Mars"}, "value": "Mars/Base"}
    cases = {
        "members": setup_values(name="S", members=[], first_date="2026-12-07"),
        "name": setup_values(name=" ", members=MEMBERS, first_date="2026-12-07"),
        "first_date": setup_values(name="S", members=MEMBERS, first_date="2026-11-20"),
        "length": setup_values(name="S", members=MEMBERS, first_date="2026-12-07", length="29"),
        "timezone": setup_values(
            name="S", members=MEMBERS, first_date="2026-12-07", timezone=forged_zone
        ),
        "ground_rules": setup_values(
            name="S", members=MEMBERS, first_date="2026-12-07", ground_rules="  "
        ),
    }
    for field, values in cases.items():
        errors = field_errors(driver.submit_view(FAC, values=values))
        assert errors and field in errors, (field, errors)
    long = setup_values(name="S", members=MEMBERS, first_date="2026-12-07", length="481")
    assert "length" in (field_errors(driver.submit_view(FAC, values=long)) or {})
    for bad_person in (GHOST, ROBOT):
        values = setup_values(name="S", members=[*MEMBERS[:3], bad_person], first_date="2026-12-07")
        errors = field_errors(driver.submit_view(FAC, values=values)) or {}
        assert "members" in errors, bad_person
    values = setup_values(name="S", members=MEMBERS, first_date="2026-12-07", facilitator=GHOST)
    assert "facilitator" in (field_errors(driver.submit_view(FAC, values=values)) or {})
    assert slack.open_views(FAC), "the modal stays open with the user's input"
    assert count(db, LearningSet) == 0
    assert not slack.messages(SET_CHANNEL)


def test_double_submit_creates_one_set(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    import threading

    open_setup(driver, slack)
    view_id = slack.open_views(FAC)[-1]["id"]
    values = setup_values(name="Twice", members=MEMBERS, first_date="2026-12-07")
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(driver.submit_view(FAC, view_id=view_id, values=values))
        )
        for _ in range(2)
    ]
    # The fake closes the modal after the first answer; resubmit the same view explicitly.
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slack.wait_for("chat.postEphemeral")
    assert count(db, LearningSet) == 1
    assert len([m for m in slack.messages(SET_CHANNEL) if "Welcome" in m.text]) == 1
    assert len(slack.dm_messages(MEMBERS[0])) == 1


def test_setup_in_a_dm_explains_that_a_set_lives_in_a_channel(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    answers = len(slack.calls_to("response_url"))
    driver.command(FAC, "setup")  # default channel: the user's DM with the bot
    slack.wait_for("response_url", count=answers + 1)
    assert "lives in a channel" in last_response_text(slack)
    assert not slack.calls_to("views.open")


def test_bot_not_in_private_channel_asks_for_invite_and_saves_nothing(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    answers = len(slack.calls_to("response_url"))
    driver.command(FAC, "setup", channel_id=NOBOT_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    assert "/invite" in last_response_text(slack)
    assert not slack.calls_to("views.open")
    assert count(db, LearningSet) == 0


def test_bot_removed_before_submit_saves_nothing(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    open_setup(driver, slack)
    slack.remove_from_channel(SET_CHANNEL, slack.bot_user_id)
    response = driver.submit_view(
        FAC, values=setup_values(name="S", members=MEMBERS, first_date="2026-12-07")
    )
    assert "/invite" in (field_errors(response) or {}).get("name", "")
    assert count(db, LearningSet) == 0


def test_public_channel_warns_and_lists_who_to_invite_and_who_can_read(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    slack.remove_from_channel(PUBLIC_CHANNEL, MEMBERS[4])
    create_set(driver, slack, channel=PUBLIC_CHANNEL)
    confirmation = texts(slack.ephemerals(PUBLIC_CHANNEL, FAC)[-1].blocks)
    assert "public" in confirmation
    assert f"not in this channel yet: <@{MEMBERS[4]}>" in confirmation
    assert f"not in the set (they can read the channel): <@{OUTSIDER}>" in confirmation


def test_size_outside_5_to_7_is_a_warning_not_an_error(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack, members=MEMBERS[:3])
    assert count(db, LearningSet) == 1
    assert "5-7 is recommended" in texts(slack.ephemerals(SET_CHANNEL, FAC)[-1].blocks)


def test_setup_of_existing_set_by_non_facilitator_is_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    opened = len(slack.calls_to("views.open"))
    answers = len(slack.calls_to("response_url"))
    driver.command(MEMBERS[0], "setup", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    text = last_response_text(slack)
    assert "Only its facilitator" in text and f"<@{FAC}>" in text
    assert len(slack.calls_to("views.open")) == opened


def test_facilitator_edits_prefilled_set_rules_change_asks_everyone_again(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    member, waiting = MEMBERS[0], MEMBERS[3]
    dm = slack.dm_messages(member)[0]
    stale_dm = slack.dm_messages(waiting)[0]  # never clicked: still has its v1 button
    driver.click(member, "als_agree_rules", channel_id=dm.channel, message_ts=dm.ts)
    slack.wait_for("response_url")

    view = open_setup(driver, slack)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["name"]["element"]["initial_value"] == "Leaders' set"
    assert set(blocks["members"]["element"]["initial_users"]) == set(MEMBERS)
    assert blocks["first_date"]["element"]["initial_date"] == "2026-12-07"

    # Remove one member, hand the facilitator role over, change the rules.
    new_rules = "1. Confidentiality.\n2. Questions before advice."
    more_settings(driver, slack)
    slack.reset_calls()
    response = driver.submit_view(
        FAC,
        values=setup_values(
            members=[FAC, *MEMBERS[:4]], facilitator=MEMBERS[1], ground_rules=new_rules
        ),
    )
    assert field_errors(response) is None
    slack.wait_for("chat.postEphemeral")
    with db.read() as s:
        rows = {m.user_id: m for m in s.scalars(select(Membership))}
        lset = s.scalars(select(LearningSet)).one()
    assert rows[MEMBERS[4]].left_at is not None
    assert (
        rows[MEMBERS[1]].is_facilitator
        and not rows[FAC].is_facilitator
        and rows[FAC].left_at is None
    )
    assert lset.rules_version == 2
    # Everyone still in the set is asked to agree again; the removed member is not.
    asked = {
        c.args["channel"]
        for c in slack.calls_to("chat.postMessage")
        if c.args["channel"].startswith("U")
    }
    assert asked == {FAC, *MEMBERS[:4]}
    update = slack.messages(SET_CHANNEL)[-1].text + texts(slack.messages(SET_CHANNEL)[-1].blocks)
    assert "now the facilitator" in update and f"<@{MEMBERS[4]}>" in update
    # The old agreement does not count for the new version; a stale "I agree" is explained.
    settle(slack)
    answers = len(slack.calls_to("response_url"))
    driver.click(waiting, "als_agree_rules", channel_id=stale_dm.channel, message_ts=stale_dm.ts)
    slack.wait_for("response_url", count=answers + 1)
    assert "have changed" in last_response_text(slack)
    with db.read() as s:
        assert s.scalars(select(RulesAgreement.rules_version)).all() == [1]


def test_schedule_change_replans_future_sessions_only(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, first_time="10:00", timezone="Europe/London")
    clock.set(datetime(2026, 12, 7, 11, 0, tzinfo=UTC))  # during the first session
    open_setup(driver, slack)
    response = driver.submit_view(FAC, values=setup_values(first_date="2026-12-14", cadence="2"))
    assert field_errors(response) is None
    slack.wait_for("chat.postEphemeral", count=2)
    with db.read() as s:
        starts = [
            x.starts_at
            for x in s.scalars(select(PlannedSession).order_by(PlannedSession.starts_at))
        ]
    assert starts[0] == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # the running session is kept
    # Four upcoming sessions in all: the running one and three on the new schedule.
    assert starts[1:] == [
        datetime(2026, 12, 14, 10, 0, tzinfo=UTC) + timedelta(weeks=2 * n) for n in range(3)
    ]


def test_leave_confirm_then_access_ends(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    member = MEMBERS[2]
    rules_dm = slack.dm_messages(member)[0]
    answers = len(slack.calls_to("response_url"))
    driver.command(member, "leave", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    confirm = slack.ephemerals(SET_CHANNEL, member)[-1]
    assert "als_leave_confirm" in texts(confirm.blocks)
    driver.click(member, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    slack.wait_for("chat.postMessage", lambda c: "has left" in c.args.get("text", ""))
    with db.read() as s:
        row = s.scalars(select(Membership).where(Membership.user_id == member)).one()
    assert row.left_at is not None
    # Acting after leaving is refused and changes nothing.
    before = len(slack.response_url_posts())
    driver.click(member, "als_agree_rules", channel_id=rules_dm.channel, message_ts=rules_dm.ts)
    slack.wait_for("response_url", count=before + 1)
    assert "no longer a member" in last_response_text(slack)
    assert count(db, RulesAgreement) == 0
    driver.command(member, "leave", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=before + 2)
    assert "not a member" in last_response_text(slack)


def test_facilitator_cannot_leave_without_handing_over(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    answers = len(slack.calls_to("response_url"))
    driver.command(FAC, "leave", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    confirm = slack.ephemerals(SET_CHANNEL, FAC)[-1]
    driver.click(FAC, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    slack.wait_for("response_url", count=2)
    assert "Hand the role" in last_response_text(slack)


def test_user_text_cannot_ping_or_impersonate(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(
        driver, slack, name="<!channel> <@U0FACIL001> &", place="<!here> room <https://evil|x>"
    )
    outputs = [slack.messages(SET_CHANNEL)[-1], *slack.dm_messages(MEMBERS[0])]
    outputs += slack.ephemerals(SET_CHANNEL, FAC)
    parsed = [m.text for m in outputs] + [t for m in outputs for t in mrkdwn_texts(m.blocks)]
    parsed += mrkdwn_texts(slack.home_view(FAC))
    joined = "\n".join(parsed)
    for raw in ("<!channel>", "<!here>", "<@U0FACIL001> &", "<https://evil"):
        assert raw not in joined
    assert "&lt;!channel&gt; &lt;@U0FACIL001&gt; &amp;" in joined
    assert "&lt;!here&gt;" in joined


def test_two_workspaces_can_use_the_same_channel_id(db: Database, als: AlsBot) -> None:
    from datetime import date, time

    from bot.domain.directory import ChannelFacts, UserFacts
    from bot.domain.sets import DEFAULT_GROUND_RULES, SetupForm

    form = SetupForm(
        "S",
        "U1",
        ("U2", "U3"),
        "UTC",
        date(2027, 1, 4),
        time(9),
        1,
        60,
        None,
        False,
        DEFAULT_GROUND_RULES,
    )
    channel = ChannelFacts(id="C1", found=True, is_private=True, bot_is_member=True)
    people = {u: UserFacts(u, u, "UTC", False, False) for u in ("U1", "U2", "U3")}
    for team in ("T1", "T2"):
        als.deps.sets.save_setup(
            team, "U1", channel, form, lookup=people.get, view_id=f"V{team}", editing_set_id=None
        )
    assert count(db, LearningSet) == 2
    assert als.deps.sets.for_channel("T1", "C1").team_id == "T1"  # type: ignore[union-attr]
    assert als.deps.sets.for_user("T3", "U1") == []


def test_agreeing_from_the_home_tab(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    create_set(driver, slack)
    member = MEMBERS[4]
    home = slack.home_view(member)
    assert home is not None and "als_agree_rules" in texts(home["blocks"])
    assert driver.click(member, "als_agree_rules", view_id=home["id"]).status == 200
    # No response URL from the Home tab: the thank-you arrives as a DM, and Home is republished.
    slack.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("channel") == member and "Thank you" in c.args.get("text", ""),
    )
    slack.wait_for(
        "views.publish",
        lambda c: (
            c.args.get("user_id") == member
            and "als_agree_rules" not in texts(c.args["view"]["blocks"])
        ),
    )
    with db.read() as s:
        assert s.scalars(select(RulesAgreement.user_id)).all() == [member]


def test_forged_button_value_for_another_set_is_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    create_set(driver, slack, channel=PUBLIC_CHANNEL, members=MEMBERS[:2], name="Other set")
    with db.read() as s:
        other = s.scalars(select(LearningSet).where(LearningSet.channel_id == PUBLIC_CHANNEL)).one()
    outsider_of_other = MEMBERS[4]
    dm = slack.dm_messages(outsider_of_other)[0]
    value = json.dumps({"s": other.id, "v": 1})
    driver.click(
        outsider_of_other, "als_agree_rules", channel_id=dm.channel, message_ts=dm.ts, value=value
    )
    slack.wait_for("response_url")
    assert "not a member" in last_response_text(slack)
    assert count(db, RulesAgreement) == 0


def test_maximum_length_input_passes_slack_checks(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    """12 participants, and every text field at its limit with characters that grow when
    escaped: every message, DM, ephemeral and view is still accepted by the (fake) Slack."""
    extra = [f"U0EXTRA{i:03d}" for i in range(7)]
    for user in extra:
        slack.add_user(user, user.lower(), tz="Pacific/Chatham")
    slack.add_to_channel(SET_CHANNEL, *extra)
    people = [*MEMBERS, *extra]
    response = create_set(
        driver,
        slack,
        members=people,
        name="<&>" * 26 + "xy",
        place="&" * 500,
        ground_rules=("<!channel> & " * 300)[:3000],
    )
    assert field_errors(response) is None
    assert count(db, LearningSet) == 1
    rejected = [c for c in slack.calls if not c.response.get("ok", True)]
    assert rejected == []
    driver.app_home_opened(FAC)
    slack.wait_for(
        "views.publish",
        lambda c: c.args.get("user_id") == FAC and "Waiting for" in texts(c.args["view"]["blocks"]),
    )
    view = open_setup(driver, slack)  # the prefilled edit modal, at the limits too
    assert len(view["blocks"]) <= 100
    assert [c for c in slack.calls if not c.response.get("ok", True)] == []


def test_modal_errors_are_plain_text(driver: SlackDriver, slack: FakeSlack, db: Database) -> None:
    create_set(driver, slack, name="Set *one*")
    open_setup(driver, slack)
    slack.remove_from_channel(SET_CHANNEL, slack.bot_user_id)  # meanwhile, someone removes the bot
    errors = field_errors(driver.submit_view(FAC, values=setup_values(name="Again")))
    assert errors is not None and "/invite @als" in errors["name"]
    assert "*" not in errors["name"] and "`" not in errors["name"] and "&lt;" not in errors["name"]
    with db.read() as s:
        assert s.scalars(select(LearningSet.name)).all() == ["Set *one*"]


def test_a_forged_container_cannot_make_the_bot_rewrite_another_message(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    """The "I agree" click replaces the clicked message through its response URL; a channel
    and ts named in the payload are not trusted."""
    from tests.helpers import forge_button

    create_set(driver, slack)
    welcome = slack.messages(SET_CHANNEL)[-1]
    value = json.dumps({"s": 1, "v": 1})
    dm = slack.dm_messages(MEMBERS[0])[0]
    forge_button(
        driver,
        slack,
        MEMBERS[0],
        SET_CHANNEL,
        welcome.ts,
        "als_agree_rules",
        value,
        clicked=(dm.channel, dm.ts),
    )
    settle(slack)
    assert slack.calls_to("chat.update") == []
    still = slack.message(SET_CHANNEL, welcome.ts)
    assert still is not None and still.text == welcome.text and still.blocks == welcome.blocks
    assert "You agreed" in texts(slack.message(dm.channel, dm.ts).blocks)  # type: ignore[union-attr]


def test_submitter_must_still_be_in_the_channel(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    open_setup(driver, slack)
    slack.remove_from_channel(SET_CHANNEL, FAC)  # left the channel while the modal was open
    values = setup_values(name="S", members=MEMBERS, first_date="2026-12-07")
    errors = field_errors(driver.submit_view(FAC, values=values))
    assert errors is not None and "not in this channel" in errors["name"]
    assert count(db, LearningSet) == 0
