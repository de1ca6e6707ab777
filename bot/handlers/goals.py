"""``/als goal`` (write or see one's own goal), ``/als goal review`` (rate one's progress), the
buttons that open the same forms, and their submissions."""

from __future__ import annotations

from typing import Any

from bot.blocks.goals import (
    GOAL,
    RATING,
    GoalMeta,
    goal_message,
    goal_modal,
    parse_goal,
    parse_rating,
    rating_modal,
)
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import GoalView


def goal(r: Request, words: list[str]) -> None:
    mine = r.deps.goals.mine(r.team_id, r.user_id, r.channel_id)
    if words[1:2] == ["review"]:
        if mine.goal:
            r.open_modal(rating_modal(mine))
        else:
            r.answer(goal_message(mine))
        return
    if mine.writable:
        r.open_modal(goal_modal(mine))
    else:
        r.answer(goal_message(mine))


def open_goal(r: Request, set_id: int) -> None:
    _form_or_answer(r, set_id, rating=False)


def open_rating(r: Request, set_id: int) -> None:
    _form_or_answer(r, set_id, rating=True)


def _form_or_answer(r: Request, set_id: int, *, rating: bool) -> None:
    """The goal's form (in the first month) or the rating's (once there is a goal); when it
    cannot open, the member's goal and why, privately."""
    mine = r.deps.goals.of_set(r.team_id, r.user_id, set_id)
    if rating and mine.goal:
        r.open_modal(rating_modal(mine))
    elif not rating and mine.writable:
        r.open_modal(goal_modal(mine))
    else:
        r.tell(goal_message(mine))


def show_goal(r: Request, set_id: int) -> None:
    """Home's *My goal*: one's goal privately, with what can be done with it now."""
    r.tell(goal_message(r.deps.goals.of_set(r.team_id, r.user_id, set_id)))


def save_goal(r: Request, meta: GoalMeta, view: dict[str, Any]) -> GoalView:
    return r.deps.goals.write(r.team_id, r.user_id, meta.set_id, parse_goal(view))


def save_rating(r: Request, meta: GoalMeta, view: dict[str, Any]) -> GoalView:
    rating, note = parse_rating(view)
    return r.deps.goals.rate(r.team_id, r.user_id, meta.set_id, rating, note)


def saved(r: Request, mine: GoalView) -> None:
    r.out.dm(r.user_id, goal_message(mine))
    r.out.homes(r.team_id, [r.user_id])


def register(kit: Kit) -> None:
    kit.subcommand(Sub.GOAL)(goal)
    kit.button(ActionId.GOAL_OPEN)(open_goal)
    kit.button(ActionId.GOAL_RATE_OPEN)(open_rating)
    kit.button(ActionId.GOAL_MINE)(show_goal)
    kit.submission(CallbackId.GOAL, GoalMeta, save=save_goal, then=saved, field=GOAL)
    kit.submission(CallbackId.GOAL_RATING, GoalMeta, save=save_rating, then=saved, field=RATING)
