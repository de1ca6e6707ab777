"""The private learning log: its modal, the confirmation and the list of one's entries (for
their author alone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
)

from bot.blocks.common import Message, clip, context, header, md, render, text_field
from bot.blocks.forms import modal, value
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta, key
from bot.blocks.text import escape
from bot.domain.actions import (
    LOG_MAX,
    LogForm,
)
from bot.ids import COMMAND, CallbackId
from bot.ids import ActionField as F
from bot.services.views import (
    LogDraft,
    LogInfo,
)


@dataclass(frozen=True)
class LogMeta(Meta):
    """The set and session a learning-log entry is about."""

    set_id: int = key("s")
    session_id: int = key("p")


# -- the learning log -----------------------------------------------------------------------
def log_modal(draft: LogDraft) -> dict[str, Any]:
    entry = draft.entry
    blocks: list[Block] = [
        context(
            f"{escape(draft.set.name)} · session of {session_when(draft.session)}. "
            "Only you can read your learning log; the facilitator sees only how many wrote."
        ),
        text_field(
            F.ABOUT_ISSUE,
            F.ABOUT_ISSUE.action_id,
            "What I learned about my issue",
            optional=True,
            multiline=True,
            max_length=LOG_MAX,
            initial=entry.about_issue if entry else None,
        ),
        text_field(
            F.ABOUT_SET,
            F.ABOUT_SET.action_id,
            "What I learned about how the set works",
            optional=True,
            multiline=True,
            max_length=LOG_MAX,
            initial=entry.about_set if entry else None,
        ),
    ]
    meta = LogMeta(draft.set.id, draft.session.id).dump()
    return modal(CallbackId.LOG, "Learning log", "Save", meta, blocks)


def parse_log(view: dict[str, Any]) -> LogForm:
    return LogForm(
        about_issue=value(view, F.ABOUT_ISSUE, F.ABOUT_ISSUE.action_id).get("value") or "",
        about_set=value(view, F.ABOUT_SET, F.ABOUT_SET.action_id).get("value") or "",
    )


def log_confirmation(entry: LogInfo) -> Message:
    text = (
        f"Your learning-log entry about the session of {session_when(entry.session)} "
        f"({escape(entry.set_name)}) is saved. Only you can read it: `{COMMAND} log list`."
    )
    return Message(text="Your learning-log entry is saved", blocks=render([md(text)]))


def log_list(entries: list[LogInfo]) -> Message:
    """The author's own entries (an ephemeral message: nobody else sees it)."""
    if not entries:
        text = (
            f"Your learning log is empty. `{COMMAND} log` writes an entry about the last session."
        )
        return Message(text="Your learning log is empty", blocks=render([md(text)]))
    blocks: list[Block] = [header("Your learning log"), context("Only you can see this.")]
    for entry in entries[:15]:
        parts = [f"*{escape(entry.set_name)}*, session of {session_when(entry.session)}"]
        if entry.about_issue:
            parts.append(f"_About my issue:_ {escape(clip(entry.about_issue, 1200))}")
        if entry.about_set:
            parts.append(f"_About the set:_ {escape(clip(entry.about_set, 1200))}")
        blocks.append(DividerBlock())
        blocks.append(md(clip("\n".join(parts), 3000)))
    return Message(text="Your learning log", blocks=render(blocks))
