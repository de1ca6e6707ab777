"""slack_sdk's installation store writes through the engine itself, in a transaction that reads
the bot's row and then updates it (a refreshed token). On SQLite such a transaction fails at
once ("database is locked") when another writer of the process commits between its read and its
write: a scheduler pass's sender threads (claims, records) and a token refresh meet exactly so.
The store's writes therefore wait for the process's write turn (``Database.write_turn``)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import event, update

from bot.storage.db import Database
from bot.storage.installations import InstallationRecords
from bot.storage.models import Workspace

TEAM = "T0TURN0001"


def refreshed(token: str) -> Bot:
    return Bot(
        app_id="A1",
        team_id=TEAM,
        bot_token=token,
        bot_id="B1",
        bot_user_id="U0BOT",
        bot_refresh_token="xoxe-1-refresh",
        bot_token_expires_in=43_200,
        installed_at=time.time(),
    )


def test_a_token_refresh_waits_for_a_writer_in_the_middle_of_its_transaction(
    db: Database,
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL's row locks make the refresh wait by themselves")
    records = InstallationRecords("1111.2222", db)
    records.save(Installation(app_id="A1", team_id=TEAM, user_id="U1", bot_token="xoxb-first"))

    # Another writer of the process (a sender's claim) holds its transaction open, and would
    # commit once the store has read the bot's row and is about to update it.
    store_read = threading.Event()

    def about_to_update(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE SLACK_BOTS"):
            store_read.set()

    event.listen(db.engine, "before_cursor_execute", about_to_update)
    errors: list[BaseException] = []
    try:
        with db.write() as s, s.begin():
            s.execute(update(Workspace).where(Workspace.team_id == TEAM).values(team_id=TEAM))

            def refresh() -> None:
                try:
                    records.save_bot(refreshed("xoxb-second"))
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=refresh)
            thread.start()
            # Without the turn, the store reads now and reaches its UPDATE while this writer
            # still holds SQLite's lock; with it, the store waits before reading.
            store_read.wait(timeout=1.0)
        thread.join(timeout=30)
    finally:
        event.remove(db.engine, "before_cursor_execute", about_to_update)
    assert errors == []
    bot = records.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == "xoxb-second"
