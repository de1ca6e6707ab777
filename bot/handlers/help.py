"""``/als help``, and the answer to a subcommand the bot does not know."""

from __future__ import annotations

import difflib

from bot.blocks.help import help_message, unknown_subcommand
from bot.handlers.kit import Kit, Request
from bot.ids import Sub

#: How alike a word and a subcommand must be to suggest it (difflib's ratio: "agneda" and
#: "agenda" 0.83, "sesions" and "sessions" 0.93; "hello" and "help" 0.67, "xyz" and any 0).
SUGGEST_FROM = 0.6


def closest_subcommand(word: str) -> Sub | None:
    """The subcommand ``word`` is most likely a typo of, if it is close to one."""
    names = [s.value for s in Sub]
    match = difflib.get_close_matches(word, names, n=1, cutoff=SUGGEST_FROM)
    return Sub(match[0]) if match else None


def show_help(r: Request, words: list[str]) -> None:
    r.answer(help_message())


def unknown(r: Request, words: list[str]) -> None:
    word = words[0].lower() if words else ""
    r.answer(unknown_subcommand(word[:40], closest_subcommand(word)))


def register(kit: Kit) -> None:
    kit.subcommand(Sub.HELP)(show_help)
    kit.fallback(unknown)
