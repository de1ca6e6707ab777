"""Installations of the app in workspaces (the distributed app's OAuth install flow).

slack_sdk's SQLAlchemy stores keep them, in tables our Alembic migrations create (migration
0022: their definitions come from slack_sdk's own ``build_*_table``, so the columns are exactly
the ones its queries use). ``InstallationRecords`` keeps one installation and one bot row per
workspace: a reinstall replaces the tokens rather than adding a row, and the stores' ``find_*``
read the latest as before.

A rotating token's refresh is claimed first (``claim_refresh``: a conditional UPDATE on the
workspace's row), so two processes that find the token expiring at once refresh it once: Slack
revokes a refresh token when it is used, and a second refresh with it would fail.

The tokens (bot and user tokens, their refresh tokens, an incoming webhook's URL) are sealed at
rest as members' text is (``bot.storage.crypto``): ``InstallationRecords`` builds slack_sdk's
tables with those columns typed ``EncryptedText``, so every statement of the store on them
(``save``, ``save_bot``, ``find_installation``, ``find_bot``) seals on the way in and opens on
the way out, with the keyring of the database's engine. A token stored in clear (before
encryption was turned on) is read as it is, until ``als-bot rotate-keys`` seals it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, MetaData, Table, and_, delete, or_, update

from bot.storage import queries as q
from bot.storage.crypto import EncryptedText
from bot.storage.db import Database
from bot.storage.models import Workspace

INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
BOTS = SQLAlchemyInstallationStore.default_bots_table_name
STATES = SQLAlchemyOAuthStateStore.default_table_name

#: The columns of slack_sdk's tables that hold secrets, sealed at rest (widened to text by
#: migration 0025: a sealed rotating token is longer than slack_sdk's 200 characters).
BOT_SECRETS = ("bot_token", "bot_refresh_token")
INSTALLATION_SECRETS = (*BOT_SECRETS, "user_token", "user_refresh_token", "incoming_webhook_url")


def _sealed(table: Table, names: tuple[str, ...]) -> Table:
    for name in names:
        table.append_column(Column(name, EncryptedText()), replace_existing=True)
    return table


class InstallationRecords(SQLAlchemyInstallationStore):
    """slack_sdk's installation store on our database, one row per workspace, its tokens
    sealed."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _sealed(
            super().build_installations_table(metadata, table_name), INSTALLATION_SECRETS
        )

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _sealed(super().build_bots_table(metadata, table_name), BOT_SECRETS)

    def __init__(self, client_id: str, db: Database) -> None:
        super().__init__(client_id=client_id, engine=db.engine)
        self._db = db

    def save(self, installation: Installation) -> None:
        """A (re)install: the new tokens replace the workspace's earlier ones."""
        with self._db.write_turn():
            if installation.team_id:
                with self._db.write() as s, s.begin():
                    q.ensure_workspace(s, installation.team_id)
            super().save(installation)
            self._drop_older(installation.enterprise_id, installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        """A refreshed token (slack_sdk's store reads the row, then updates it)."""
        with self._db.write_turn():
            super().save_bot(bot)
            self._drop_older(bot.enterprise_id, bot.team_id, bots_only=True)

    def _drop_older(
        self, enterprise_id: str | None, team_id: str | None, *, bots_only: bool = False
    ) -> None:
        tables = (self.bots,) if bots_only else (self.bots, self.installations)
        with self.engine.begin() as conn:
            for table in tables:
                c = table.c
                mine = and_(
                    c.client_id == self.client_id,
                    c.enterprise_id.is_(None)
                    if enterprise_id is None
                    else c.enterprise_id == enterprise_id,
                    c.team_id == team_id,
                )
                latest = conn.execute(
                    table.select().with_only_columns(c.id).where(mine).order_by(c.id.desc())
                ).first()
                if latest is not None:
                    conn.execute(delete(table).where(mine, c.id != latest.id))

    def delete_team(self, team_id: str) -> int:
        """The app was uninstalled or its tokens revoked: every token of the workspace goes
        (bot and installer rows alike). Returns how many rows went."""
        gone = 0
        with self._db.write_turn(), self.engine.begin() as conn:
            for table in (self.bots, self.installations):
                c = table.c
                done = conn.execute(
                    delete(table).where(c.client_id == self.client_id, c.team_id == team_id)
                )
                gone += done.rowcount
        return gone

    # -- a rotating token's refresh, claimed ------------------------------------------------
    def claim_refresh(self, team_id: str, owner: str, now: datetime, until: datetime) -> bool:
        """Take the workspace's refresh lease until ``until`` unless another holder's runs."""
        with self._db.write() as s, s.begin():
            done = s.execute(
                update(Workspace)
                .where(
                    Workspace.team_id == team_id,
                    or_(
                        Workspace.token_refresh_until.is_(None),
                        Workspace.token_refresh_until < now,
                    ),
                )
                .values(token_refresh_by=owner, token_refresh_until=until)
            )
            return bool(q.rowcount(done))

    def release_refresh(self, team_id: str, owner: str) -> None:
        with self._db.write() as s, s.begin():
            s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id, Workspace.token_refresh_by == owner)
                .values(token_refresh_by=None, token_refresh_until=None)
            )


#: slack_sdk's tables as the store uses them, for Alembic (``migrations/env.py``), the tests'
#: cleanup, a workspace's deletion and ``rotate-keys``.
SLACK_TABLES = MetaData()
InstallationRecords.build_installations_table(SLACK_TABLES, INSTALLATIONS)
InstallationRecords.build_bots_table(SLACK_TABLES, BOTS)
SQLAlchemyOAuthStateStore.build_oauth_states_table(SLACK_TABLES, STATES)


class _StateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store, its writes in this process's turn (``write_turn``)."""

    def __init__(self, db: Database, expiration_seconds: int) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=db.engine)
        self._db = db

    def issue(self, *args: Any, **kwargs: Any) -> str:
        with self._db.write_turn():
            return super().issue(*args, **kwargs)

    def consume(self, state: str) -> bool:
        with self._db.write_turn():
            return super().consume(state)


def state_store(db: Database, expiration_seconds: int = 600) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's OAuth state store on our database (a state is used once, within 10 min)."""
    return _StateStore(db, expiration_seconds)
