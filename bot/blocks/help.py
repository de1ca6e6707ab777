"""``/als help`` and the answer to an unknown subcommand."""

from __future__ import annotations

from bot.blocks.common import Message, context, md, render
from bot.ids import COMMAND, Sub
from bot.slack.text import escape


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


def unknown_subcommand(word: str, closest: Sub) -> Message:
    text = (
        f"I don't know `{COMMAND} {escape(word)}`. Did you mean `{COMMAND} {closest.value}`? "
        f"`{COMMAND} help` lists everything."
    )
    return Message(text=text, blocks=render([md(text)]))
