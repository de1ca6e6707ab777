"""Exports as CSV (issue 19, point 5): a member's own actions, reports, goals and log
(everything of theirs, nothing of others'); a set's shared actions for its members (private
ones counted); the programme's figures per session for organisers (``ProgrammeService``)."""

from __future__ import annotations

from bot.clock import Clock
from bot.services import access
from bot.services.views import MyExport, SharedActions
from bot.storage import export_queries as xq
from bot.storage.db import Database


class ExportService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def mine(self, team_id: str, user_id: str) -> MyExport:
        """Everything the member wrote in this workspace's sets (left ones too: it is theirs)."""
        with self._db.read() as s:
            return MyExport(
                actions=tuple(xq.my_actions(s, team_id, user_id)),
                reports=tuple(xq.my_reports(s, team_id, user_id)),
                goals=tuple(xq.my_goals(s, team_id, user_id)),
                logs=tuple(xq.my_logs(s, team_id, user_id)),
            )

    def shared_actions(self, team_id: str, user_id: str, channel_id: str) -> SharedActions:
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            return SharedActions(
                set_name=lset.name,
                actions=tuple(xq.shared_actions(s, team_id, lset.id)),
                private=xq.private_counts(s, team_id, lset.id),
            )
