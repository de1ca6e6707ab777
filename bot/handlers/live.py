"""The live session: *Start session* on the confirmed agenda (or ``/als start``), the
facilitator's controls on the part's message in the thread, *Help me ask*, *Facilitator
prompts* and the presenter's question."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks.live import (
    QUESTION,
    QuestionMeta,
    cue_message,
    live_started,
    parse_question,
    question_modal,
)
from bot.domain.live import Move
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import LiveMoved

MOVES = {
    ActionId.LIVE_NEXT: Move.NEXT,
    ActionId.LIVE_EXTEND: Move.EXTEND,
    ActionId.LIVE_TIME_OUT: Move.TIME_OUT,
    ActionId.LIVE_RESUME: Move.RESUME,
    ActionId.LIVE_END_PART: Move.END_PART,
    ActionId.LIVE_END: Move.END,
}
CLAIM = re.compile(r"^(\d{1,12})\.(\d{1,9})$")


def parse_move(action: dict[str, Any], body: dict[str, Any]) -> tuple[int, int, Move] | None:
    """(live session, the revision the click saw, the move) from a control's value."""
    found = CLAIM.match(str(action.get("value", "")))
    move = MOVES.get(ActionId(action["action_id"])) if action.get("action_id") in MOVES else None
    if found is None or move is None:
        return None
    return int(found[1]), int(found[2]), move


def start_clicked(r: Request, vote_id: int) -> None:
    started = r.deps.live.start_vote(r.team_id, r.user_id, vote_id)
    r.out.deliver(started.notes)
    r.out.homes(r.team_id, started.homes)  # "running now", after its message is posted
    r.tell(live_started("the agenda's thread"))


def start_command(r: Request, words: list[str]) -> None:
    started = r.deps.live.start_command(r.team_id, r.user_id, r.channel_id)
    r.out.deliver(started.notes)
    r.out.homes(r.team_id, started.homes)
    r.answer(live_started("the agenda message's thread"))


def moved(r: Request, claim: tuple[int, int, Move]) -> None:
    live_id, revision, move = claim
    change: LiveMoved = r.deps.live.move(r.team_id, r.user_id, live_id, revision, move)
    r.out.deliver(change.notes)
    r.out.homes(r.team_id, change.homes)  # a new stage, or the end


def help_me_ask(r: Request, live_id: int) -> None:
    r.tell(cue_message(r.deps.live.cue(r.team_id, r.user_id, live_id, facilitator=False)))


def prompts(r: Request, live_id: int) -> None:
    r.tell(cue_message(r.deps.live.cue(r.team_id, r.user_id, live_id, facilitator=True)))


def open_question(r: Request, part_id: int) -> None:
    r.open_modal(question_modal(part_id, r.deps.live.part_question(r.team_id, r.user_id, part_id)))


def save_question(r: Request, meta: QuestionMeta, view: dict[str, Any]) -> LiveMoved:
    return r.deps.live.question(r.team_id, r.user_id, meta.part_id, parse_question(view))


def question_saved(r: Request, change: LiveMoved) -> None:
    r.out.deliver(change.notes)


def register(kit: Kit) -> None:
    kit.subcommand(Sub.START)(start_command)
    kit.button(ActionId.LIVE_START)(start_clicked)
    for action in MOVES:
        kit.button(action, parse=parse_move)(moved)
    kit.button(ActionId.LIVE_HELP)(help_me_ask)
    kit.button(ActionId.LIVE_PROMPTS)(prompts)
    kit.button(ActionId.LIVE_QUESTION_OPEN)(open_question)
    kit.submission(
        CallbackId.LIVE_QUESTION,
        QuestionMeta,
        save=save_question,
        then=question_saved,
        field=QUESTION,
    )
