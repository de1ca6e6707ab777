"""``/als help``, and the answer to a subcommand the bot does not know."""

from __future__ import annotations

import difflib

from bot.blocks.help import help_message, unknown_subcommand
from bot.handlers.kit import Kit, Request
from bot.ids import Sub


def closest_subcommand(word: str) -> Sub:
    names = [s.value for s in Sub]
    match = difflib.get_close_matches(word, names, n=1, cutoff=0.0)
    return Sub(match[0]) if match else Sub.HELP


def show_help(r: Request, words: list[str]) -> None:
    r.answer(help_message())


def unknown(r: Request, words: list[str]) -> None:
    word = words[0].lower() if words else ""
    r.answer(unknown_subcommand(word[:40], closest_subcommand(word)))


def register(kit: Kit) -> None:
    kit.subcommand(Sub.HELP)(show_help)
    kit.fallback(unknown)
