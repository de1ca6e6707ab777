"""Actions: the "Commit actions" modal, its confirmation and channel line, the list of one's
actions and the edit modal.

A commitment's private note is only ever rendered for its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DatePickerElement,
    InputBlock,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.blocks import MarkdownTextObject as Mrkdwn

from bot.blocks.common import Message, clip, context, header, md, render, text_field
from bot.blocks.forms import date_value, modal, option, value
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta, key
from bot.blocks.text import escape, mention
from bot.domain.actions import (
    ACTION_MAX,
    MAX_ACTIONS,
    NOTE_MAX,
    ActionLine,
    CommitForm,
    ReportStatus,
    action_field,
    target_field,
)
from bot.ids import COMMAND, ActionId, CallbackId
from bot.ids import ActionField as F
from bot.services.views import (
    ActionInfo,
    CommitDraft,
    CommitOutcome,
)

SHARED, PRIVATE = "shared", "private"
MAX_LISTED = 15  # actions in the ephemeral list (3 blocks each, within a message's 50)
ITEM_ACTION = "input"  # action id of the numbered inputs


@dataclass(frozen=True)
class CommitMeta(Meta):
    """The commitment modal's set, session and topic (None: actions outside a session)."""

    set_id: int = key("s")
    session_id: int = key("p")
    topic_id: int | None = key("t")


@dataclass(frozen=True)
class ActionMeta(Meta):
    """The action an edit or report modal is about."""

    action_id: int = key("a")


SHARING = {
    SHARED: "Share the actions with the set (they hold me to account)",
    PRIVATE: "Keep them private: the set sees only how many",
}


def _sharing(shared: bool) -> InputBlock:
    options = [option(text, value) for value, text in SHARING.items()]
    return InputBlock(
        block_id=F.SHARING,
        label="Who sees the actions",
        element=RadioButtonsElement(
            action_id=F.SHARING.action_id,
            options=options,
            initial_option=options[0 if shared else 1],
        ),
    )


def target_text(target: date | None) -> str:
    return f" · target {target:%a %d %b %Y}" if target else ""


# -- committing actions ---------------------------------------------------------------------
def commit_modal(draft: CommitDraft) -> dict[str, Any]:
    about = (
        f"*{escape(draft.topic_title)}*, " if draft.topic_title else ""
    ) + f"session of {session_when(draft.session)} ({escape(draft.set.name)})"
    blocks: list[Block] = [
        context(f"Your actions from {about}. Up to {MAX_ACTIONS}, one sentence each."),
    ]
    existing = {a.position: a for a in draft.actions}
    for i in range(MAX_ACTIONS):
        current = existing.get(i)
        blocks.append(
            text_field(
                action_field(i),
                ITEM_ACTION,
                f"Action {i + 1}",
                optional=i > 0,
                max_length=ACTION_MAX,
                initial=current.text if current else None,
                placeholder="I will…" if i == 0 else None,
            )
        )
        blocks.append(
            InputBlock(
                block_id=target_field(i),
                label=f"Target date for action {i + 1} (your own, not a deadline)",
                optional=True,
                element=DatePickerElement(
                    action_id=ITEM_ACTION,
                    initial_date=f"{current.target:%Y-%m-%d}"
                    if current and current.target
                    else None,
                ),
            )
        )
    blocks.append(_sharing(draft.shared))
    blocks.append(
        text_field(
            F.NOTE,
            F.NOTE.action_id,
            "Private note: the questions and insights that helped",
            optional=True,
            multiline=True,
            max_length=NOTE_MAX,
            initial=draft.note or None,
            hint="Only you ever see this note.",
        )
    )
    meta = CommitMeta(draft.set.id, draft.session.id, draft.topic_id).dump()
    return modal(CallbackId.COMMIT, "Commit actions", "Commit", meta, blocks)


def parse_commit(view: dict[str, Any]) -> CommitForm:
    lines = tuple(
        ActionLine(
            text=value(view, action_field(i), ITEM_ACTION).get("value") or "",
            target=date_value(value(view, target_field(i), ITEM_ACTION).get("selected_date")),
        )
        for i in range(MAX_ACTIONS)
    )
    sharing = (value(view, F.SHARING, F.SHARING.action_id).get("selected_option") or {}).get(
        "value"
    )
    return CommitForm(
        actions=lines,
        note=value(view, F.NOTE, F.NOTE.action_id).get("value") or "",
        shared=sharing != PRIVATE,
    )


def _bullets(actions: tuple[ActionInfo, ...]) -> str:
    return "\n".join(f"• {escape(a.text)}{target_text(a.target)}" for a in actions)


def commit_confirmation(outcome: CommitOutcome) -> Message:
    """To the presenter alone (a DM)."""
    about = f" for *{escape(outcome.topic_title)}*" if outcome.topic_title else ""
    seen = (
        "The set sees these actions."
        if outcome.shared
        else "They stay private: the set sees only how many."
    )
    text = (
        f"Your actions{about} ({escape(outcome.set.name)}, session of "
        f"{session_when(outcome.session)}):\n{_bullets(outcome.actions) or '_none left_'}\n{seen} "
        f"Report back on them with `{COMMAND} actions` before the next session."
    )
    return Message(text="Your actions are saved", blocks=render([md(text)]))


def commit_line(outcome: CommitOutcome) -> Message:
    """The short line in the channel (the agenda message's thread): titles only if shared."""
    n = len(outcome.actions)
    who = mention(outcome.owner_id)
    about = f" for *{escape(outcome.topic_title)}*" if outcome.topic_title else ""
    if outcome.shared and outcome.actions:
        text = f"{who} committed to {n} action{'s' if n != 1 else ''}{about}:\n" + "\n".join(
            f"• {escape(a.text)}" for a in outcome.actions
        )
    else:
        text = f"{who} committed to {n} action{'s' if n != 1 else ''}{about} (kept private)."
    return Message(text=f"New actions from a member{about}", blocks=render([md(text)]))


# -- the list of one's actions --------------------------------------------------------------
def _status_of(action: ActionInfo) -> str:
    if action.report is None:
        return "not reported yet"
    return f"reported: {ReportStatus(action.report.status).label.lower()}"


def actions_list(actions: list[ActionInfo]) -> Message:
    """``/als actions``: the caller's open actions (an ephemeral message)."""
    if not actions:
        text = (
            "You have no open actions. Presenters commit actions from the agenda's *Commit "
            f"actions* button; `{COMMAND} actions add` commits actions outside a session."
        )
        return Message(text="You have no open actions", blocks=render([md(text)]))
    blocks: list[Block] = [header("Your open actions")]
    for action in actions[:MAX_LISTED]:
        seen = "shared" if action.shared else "private"
        blocks.append(
            SectionBlock(
                block_id=f"action_{action.id}",
                text=Mrkdwn(
                    text=clip(
                        f"*{escape(action.text)}*\n{escape(action.set_name)} · from the session of "
                        f"{session_when(action.committed_at)}{target_text(action.target)} · {seen} · "
                        f"{_status_of(action)}",
                        3000,
                    )
                ),
            )
        )
        blocks.append(action_buttons(action))
    if len(actions) > MAX_LISTED:
        blocks.append(context(f"…and {len(actions) - MAX_LISTED} more."))
    return Message(text=f"You have {len(actions)} open actions", blocks=render(blocks))


def action_buttons(action: ActionInfo, *, home: bool = False) -> ActionsBlock:
    value = str(action.id)
    elements = [
        ButtonElement(
            text="Report back", action_id=ActionId.ACTION_REPORT, value=value, style="primary"
        )
    ]
    if not home:
        elements += [
            ButtonElement(text="Edit", action_id=ActionId.ACTION_EDIT, value=value),
            ButtonElement(
                text="Drop",
                action_id=ActionId.ACTION_DROP,
                value=value,
                style="danger",
                confirm=ConfirmObject(
                    title="Drop this action?",
                    text="It leaves your list and the report-back round.",
                    confirm="Drop",
                    deny="Keep",
                ),
            ),
        ]
    return ActionsBlock(block_id=f"{'home_' if home else ''}buttons_{action.id}", elements=elements)


def edit_modal(action: ActionInfo) -> dict[str, Any]:
    blocks: list[Block] = [
        context(
            f"{escape(action.set_name)} · from the session of {session_when(action.committed_at)}"
        ),
        text_field(
            action_field(0), ITEM_ACTION, "Action", max_length=ACTION_MAX, initial=action.text
        ),
        InputBlock(
            block_id=target_field(0),
            label="Target date (your own, not a deadline)",
            optional=True,
            element=DatePickerElement(
                action_id=ITEM_ACTION,
                initial_date=f"{action.target:%Y-%m-%d}" if action.target else None,
            ),
        ),
    ]
    return modal(
        CallbackId.EDIT_ACTION, "Edit action", "Save", ActionMeta(action.id).dump(), blocks
    )


def parse_edit(view: dict[str, Any]) -> ActionLine:
    return ActionLine(
        text=value(view, action_field(0), ITEM_ACTION).get("value") or "",
        target=date_value(value(view, target_field(0), ITEM_ACTION).get("selected_date")),
    )
