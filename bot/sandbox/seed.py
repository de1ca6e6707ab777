"""The sandbox's demo workspace: people in different time zones and a private set channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.fakeslack.server import FakeSlack

TEAM_ID = "T0SANDBOX1"
TEAM_DOMAIN = "als-sandbox"
TEAM_NAME = "ALS Sandbox"
BOT_USER_ID = "U0ALSBOT01"
BOT_NAME = "als"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    tz: str


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool


#: The facilitator first: the page starts as them.
PEOPLE: tuple[Person, ...] = (
    Person("U0SANDFIO1", "fiona", "Fiona Facilitator", "Europe/London"),
    Person("U0SANDAMA1", "amara", "Amara Okafor", "Africa/Lagos"),
    Person("U0SANDBEN1", "ben", "Ben Carter", "America/New_York"),
    Person("U0SANDCHE1", "chen", "Chen Wei", "Asia/Shanghai"),
    Person("U0SANDDIE1", "diego", "Diego Alvarez", "America/Mexico_City"),
    Person("U0SANDELE1", "elena", "Elena Petrova", "Europe/Berlin"),
    Person("U0SANDHIR1", "hiro", "Hiro Tanaka", "Asia/Tokyo"),
)

#: The set's private channel: everyone above and the bot are in it.
SET_CHANNEL = Channel("C0SANDSET1", "leaders-set", is_private=True)
CHANNELS: tuple[Channel, ...] = (SET_CHANNEL,)


def new_fake_slack(*, bot_token: str) -> FakeSlack:
    """A fake Slack for the demo workspace (not started)."""
    return FakeSlack(
        team_id=TEAM_ID,
        bot_user_id=BOT_USER_ID,
        bot_token=bot_token,
        bot_name=BOT_NAME,
        team_domain=TEAM_DOMAIN,
        team_name=TEAM_NAME,
        # Slack allows 3 s; a busy laptop running a browser too gets a little more.
        trigger_ttl=10.0,
    )


def seed(fake: FakeSlack) -> None:
    """Add the demo people, their DMs with the bot and the set channel to ``fake``."""
    for person in PEOPLE:
        fake.add_user(person.id, person.name, real_name=person.real_name, tz=person.tz)
        fake.open_im(person.id)
    for channel in CHANNELS:
        fake.add_channel(
            channel.id,
            channel.name,
            is_private=channel.is_private,
            members=[p.id for p in PEOPLE],
        )
