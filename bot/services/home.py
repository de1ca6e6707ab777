"""What one member's Home tab shows: per set, their own things; the facilitator also sees
progress (names and counts, never content)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.clock import Clock
from bot.services.actions import ActionService
from bot.services.agenda import _vote_rules
from bot.services.learning import log_count
from bot.services.sets import session_info, set_info
from bot.services.topics import TopicService
from bot.services.views import Dashboard, VoteBrief
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import AgendaVote, PlannedSession, VoteAllocation


class HomeService:
    def __init__(
        self, db: Database, clock: Clock, topics: TopicService, actions: ActionService
    ) -> None:
        self._db = db
        self._clock = clock
        self._topics = topics
        self._actions = actions

    def dashboards(self, team_id: str, user_id: str) -> list[Dashboard]:
        now = self._clock()
        out = []
        with self._db.read() as s:
            sets = q.sets_of_user(s, team_id, user_id)
            for lset in sets:
                info = set_info(s, lset, now)
                vote = None
                row = s.scalar(
                    select(AgendaVote)
                    .where(
                        AgendaVote.team_id == team_id,
                        AgendaVote.set_id == lset.id,
                        AgendaVote.status == "open",
                    )
                    .order_by(AgendaVote.opened_at.desc())
                    .limit(1)
                )
                if row is not None:
                    rules = _vote_rules(row, lset)
                    session = s.get(PlannedSession, row.session_id)
                    assert session is not None
                    used = s.scalar(
                        select(func.coalesce(func.sum(VoteAllocation.count), 0)).where(
                            VoteAllocation.vote_id == row.id, VoteAllocation.voter_id == user_id
                        )
                    )
                    vote = VoteBrief(
                        vote_id=row.id,
                        session=session_info(session),
                        can_vote=user_id != info.facilitator_id or rules.facilitator_votes,
                        budget=rules.budget,
                        used=int(used or 0),
                    )
                facilitating = info.facilitator_id == user_id
                out.append(
                    Dashboard(
                        set=info,
                        topics=self._topics.overview(team_id, user_id, lset.id),
                        actions=tuple(self._actions.open_actions(team_id, user_id, lset.id)),
                        vote=vote,
                        round=(
                            self._actions.round_for_next_session(s, lset, now)
                            if facilitating
                            else None
                        ),
                        logs=log_count(s, lset, now) if facilitating else None,
                    )
                )
        return out
