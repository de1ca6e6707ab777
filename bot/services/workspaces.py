"""Workspace lifecycle."""

from __future__ import annotations

from sqlalchemy import update

from bot.clock import Clock
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import Workspace


class WorkspaceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def uninstalled(self, team_id: str) -> None:
        """The app was removed from the workspace: the scheduler stops serving it."""
        with self._db.write() as s, s.begin():
            q.ensure_workspace(s, team_id)
            s.execute(
                update(Workspace)
                .where(Workspace.team_id == team_id)
                .values(uninstalled_at=self._clock())
            )
