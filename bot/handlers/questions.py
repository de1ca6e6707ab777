"""``/als questions`` (the question bank, privately) and ``/als questions add <stage> <text>``
(the lead)."""

from __future__ import annotations

from bot.blocks.questions import USAGE, question_cards
from bot.handlers.kit import Kit, Request
from bot.ids import Sub


def questions(r: Request, words: list[str]) -> None:
    rest = words[1:]
    if not rest:
        r.answer(question_cards(r.deps.questions.cards(r.team_id, r.user_id, r.channel_id)))
        return
    if rest[0].lower() != "add" or len(rest) < 3:
        r.answer(USAGE)
        return
    stage, text = rest[1].lower(), " ".join(rest[2:])
    cards = r.deps.questions.add(r.team_id, r.user_id, r.channel_id, stage, text)
    r.answer(question_cards(cards, note=f"Added to `{stage}`."))


def register(kit: Kit) -> None:
    kit.subcommand(Sub.QUESTIONS)(questions)
