"""``/als help`` and the answer to an unknown subcommand."""

from __future__ import annotations

from bot.blocks.common import Message, context, md, render
from bot.blocks.text import escape
from bot.ids import COMMAND, Sub


def help_message() -> Message:
    lines = [f"`{COMMAND} {sub.value}`: {sub.summary}" for sub in Sub]
    text = "*Action Learning Set commands*\n" + "\n".join(lines)
    return Message(
        text=text,
        blocks=render(
            [
                md(text),
                context("A set lives in its own (private) channel. Run set-up there."),
            ]
        ),
    )


def unknown_subcommand(word: str, closest: Sub | None) -> Message:
    guess = f" Did you mean `{COMMAND} {closest.value}`?" if closest is not None else ""
    text = f"I don't know `{COMMAND} {escape(word)}`.{guess} `{COMMAND} help` lists everything."
    return Message(text=text, blocks=render([md(text)]))


USAGE = {
    Sub.AGENDA: (
        f"`{COMMAND} agenda` opens the vote; `{COMMAND} agenda close` closes it; "
        f"`{COMMAND} agenda reportback` starts the report-back round."
    ),
    Sub.ACTIONS: (
        f"`{COMMAND} actions` lists your open actions; `{COMMAND} actions add` commits new ones."
    ),
    Sub.LOG: (
        f"`{COMMAND} log` writes an entry about the last session; `{COMMAND} log list` shows yours."
    ),
}


def usage(sub: Sub) -> str:
    """How a subcommand's words go (the answer to a word it does not take)."""
    return USAGE[sub]
