"""What one member's Home tab shows: per set, their own things; the facilitator also sees
progress (names and counts, never content)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services import access
from bot.services.actions import ActionService
from bot.services.attendance import attendance_of, attendance_tally
from bot.services.learning import log_count
from bot.services.live import LiveService
from bot.services.readmodels import session_info, set_info, vote_rules
from bot.services.reportback import round_for_next_session
from bot.services.review import trend as review_trend
from bot.services.topics import TopicService
from bot.services.views import Dashboard, SetInfo, VoteBrief
from bot.storage import agenda_queries as aq
from bot.storage import attendance_queries as atq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import LearningSet, PlannedSession, VoteAllocation


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
            for lset in q.sets_of_user(s, team_id, user_id):
                info = set_info(s, lset, now)
                facilitating = access.facilitates(info, user_id)
                following = info.next_session
                can_answer = following is not None and following.starts_at > now
                out.append(
                    Dashboard(
                        set=info,
                        topics=self._topics.overview(team_id, user_id, lset.id),
                        actions=tuple(self._actions.open_actions(team_id, user_id, lset.id)),
                        vote=self._vote(s, lset, info, user_id),
                        round=round_for_next_session(s, lset, now) if facilitating else None,
                        logs=log_count(s, lset, now) if facilitating else None,
                        can_answer=can_answer,
                        my_answer=atq.answers_of_user(s, team_id, user_id, [following.id]).get(
                            following.id
                        )
                        if following is not None
                        else None,
                        attendance=attendance_of(s, lset, following.id, following.local_date)
                        if facilitating and following is not None
                        else None,
                        tally=attendance_tally(s, lset, now) if facilitating else None,
                        facilitating=facilitating,
                        review=review_trend(
                            s,
                            lset,
                            now,
                            notes=facilitating,
                            since=access.history_since(s, lset, user_id),
                        ),
                        agenda_started=facilitating
                        and info.next_session is not None
                        and aq.vote_of_session(s, info.next_session.id) is not None,
                        live=LiveService.brief(s, lset),
                    )
                )
        return out

    @staticmethod
    def _vote(s: Session, lset: LearningSet, info: SetInfo, user_id: str) -> VoteBrief | None:
        """The set's open vote, as this member sees it: their own votes, counted."""
        row = aq.latest_vote(s, lset.team_id, lset.id, open_only=True)
        if row is None:
            return None
        rules = vote_rules(row, lset)
        session = s.get(PlannedSession, row.session_id)
        assert session is not None
        used = s.scalar(
            select(func.coalesce(func.sum(VoteAllocation.count), 0)).where(
                VoteAllocation.vote_id == row.id, VoteAllocation.voter_id == user_id
            )
        )
        member = q.membership(s, lset.team_id, lset.id, user_id)
        return VoteBrief(
            vote_id=row.id,
            session=session_info(session),
            can_vote=access.votes(member, rules),
            budget=rules.budget,
            used=int(used or 0),
        )
