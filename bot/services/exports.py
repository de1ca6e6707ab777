"""Exports: a member's own data (issue 21, point 2: every record of this workspace about them,
decrypted, nothing of other members'), a set's shared actions for its members (private ones
counted), the programme's figures per session for organisers (``ProgrammeService``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services import access
from bot.services.views import MyExport, SharedActions
from bot.storage import export_queries as xq
from bot.storage import mydata_queries as mq
from bot.storage.db import Database


class ExportService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def mine(self, team_id: str, user_id: str) -> MyExport:
        """Every record about the member in this workspace's sets (left ones too: it is
        theirs), nothing from another workspace, nothing of another member's."""
        with self._db.read() as s:
            sections = tuple(
                (name, tuple(query(s, team_id, user_id))) for name, query in MY_SECTIONS
            )
        return MyExport(team_id, user_id, self._clock(), sections)

    def shared_actions(self, team_id: str, user_id: str, channel_id: str) -> SharedActions:
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            since = access.history_since(s, lset, user_id)  # a newcomer: from their joining
            return SharedActions(
                set_name=lset.name,
                actions=tuple(xq.shared_actions(s, team_id, lset.id, viewer=user_id, since=since)),
                private=xq.private_counts(s, team_id, lset.id, viewer=user_id, since=since),
            )


#: The sections of a member's export, in order: what each holds is in ``mydata_queries``.
MY_SECTIONS: tuple[tuple[str, Callable[[Session, str, str], list[mq.Record]]], ...] = (
    ("memberships", mq.memberships),
    ("ground_rules_agreed", mq.rules_agreements),
    ("sessions", mq.sessions),
    ("topics", mq.topics),
    ("ballots", mq.ballots),
    ("commitments", mq.commitments),
    ("actions", mq.actions),
    ("reports", mq.reports),
    ("learning_log", mq.log_entries),
    ("goals", mq.goals),
    ("reviews", mq.reviews),
    ("live_questions", mq.live_parts),
    ("live_sessions_run", mq.live_runs),
    ("facilitation_requests", mq.rota_requests),
    ("organiser", mq.organiser),
    ("calendar_feed", mq.calendar_feed),
    ("messages_to_you", mq.messages),
)
