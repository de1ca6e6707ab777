"""The question bank (``/als questions``): members read the cue cards; who facilitates also
reads the process questions; the lead adds the set's own questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.errors import InvalidInput
from bot.domain.questions import add_problem, added_of, bank_of
from bot.services import access
from bot.services.readmodels import set_info
from bot.services.views import QuestionCards
from bot.storage.db import Database
from bot.storage.models import LearningSet

QUESTION_FIELD = "question"


class QuestionService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def cards(self, team_id: str, user_id: str, channel_id: str) -> QuestionCards:
        now = self._clock()
        with self._db.read() as s:
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_member(s, lset, user_id)
            return self._cards(s, lset, user_id, now)

    def add(
        self, team_id: str, user_id: str, channel_id: str, stage: str, text: str
    ) -> QuestionCards:
        """The lead adds a question of the set's own to a stage."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_facilitator(s, lset, user_id, "add questions to its bank")
            added = added_of(lset.settings)
            problem = add_problem(stage, text, len(added))
            if problem:
                raise InvalidInput({QUESTION_FIELD: problem})
            added.append({"stage": stage, "text": text.strip()})
            lset.settings = {**(lset.settings or {}), "questions": added}
            s.flush()
            return self._cards(s, lset, user_id, now)

    @staticmethod
    def _cards(s: Session, lset: LearningSet, user_id: str, now: datetime) -> QuestionCards:
        info = set_info(s, lset, now)
        return QuestionCards(
            set=info,
            bank=bank_of(lset.settings),
            facilitating=bool(access.facilitated_by(info, user_id)),
            lead=access.leads(info, user_id),
        )
