"""The closing review: a score button in the DM after a session, and the form with a line on
how the set worked."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks.review import NOTE, ReviewMeta, parse_review, review_modal, review_saved
from bot.handlers.kit import Kit, Request, value_id
from bot.ids import REVIEW_PREFIX, ActionId, CallbackId
from bot.services.views import ReviewOutcome

SCORE = re.compile(rf"^{REVIEW_PREFIX}[1-5]$")


def parse_score(action: dict[str, Any], body: dict[str, Any]) -> tuple[int, int] | None:
    """(session id, score) from a score button: the score is the button's own id."""
    session_id = value_id(action, body)
    score = str(action.get("action_id", ""))[-1:]
    return (session_id, int(score)) if session_id is not None and score.isdigit() else None


def score(r: Request, claim: tuple[int, int]) -> None:
    session_id, useful = claim
    mine = r.deps.review.answer(r.team_id, r.user_id, session_id, useful)
    if r.can_replace():
        r.replace(review_saved(mine))
    r.out.homes(r.team_id, [r.user_id])


def open_form(r: Request, session_id: int) -> None:
    r.open_modal(review_modal(r.deps.review.mine(r.team_id, r.user_id, session_id)))


def save(r: Request, meta: ReviewMeta, view: dict[str, Any]) -> ReviewOutcome:
    useful, note = parse_review(view)
    return r.deps.review.answer(r.team_id, r.user_id, meta.session_id, useful, note, with_note=True)


def saved(r: Request, mine: ReviewOutcome) -> None:
    r.out.dm(r.user_id, review_saved(mine))
    r.out.homes(r.team_id, [r.user_id])


def register(kit: Kit) -> None:
    kit.button(SCORE, parse=parse_score)(score)
    kit.button(ActionId.REVIEW_NOTE)(open_form)
    kit.submission(CallbackId.REVIEW, ReviewMeta, save=save, then=saved, field=NOTE)
