"""Actions, report-backs, the report-back round and the learning log: modals, their parsers,
and messages.

Private content (a commitment's note, what a report says, log entries) is only ever rendered
into modals and messages for its owner; the round shows statuses and counts.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.blocks import MarkdownTextObject as Mrkdwn
from slack_sdk.models.views import View

from bot.blocks.common import Message, clip, context, header, md, render, text_field
from bot.blocks.messages import session_when
from bot.domain.actions import (
    ACTION_MAX,
    HAPPENED_MAX,
    HAPPENED_MAX_LINES,
    LEARNED_MAX,
    LOG_MAX,
    MAX_ACTIONS,
    NOTE_MAX,
    ActionLine,
    ActionStatus,
    CommitForm,
    LogForm,
    ReportForm,
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
    LogDraft,
    LogInfo,
    ReportDraft,
    ReportOutcome,
    RoundState,
)
from bot.slack.text import escape, mention

SHARED, PRIVATE = "shared", "private"
MAX_LISTED = 15  # actions in the ephemeral list (3 blocks each, within a message's 50)
ITEM_ACTION = "input"  # action id of the numbered inputs


# -- private_metadata -----------------------------------------------------------------------
def dump_meta(**values: int | None) -> str:
    return json.dumps(values)


def load_meta(raw: str | None, *keys: str) -> dict[str, int | None] | None:
    """The ids a modal carries (claims, checked again by the service)."""
    try:
        data = json.loads(raw or "")
        out: dict[str, int | None] = {}
        for key in keys:
            value = data[key]
            out[key] = None if value is None else int(value)
        return out
    except (ValueError, KeyError, TypeError):
        return None


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def _value(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    return (_values(view).get(block) or {}).get(action) or {}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=text), value=value)


SHARING = {
    SHARED: "Share the actions with the set (they hold me to account)",
    PRIVATE: "Keep them private: the set sees only how many",
}


def _sharing(shared: bool) -> InputBlock:
    options = [_option(text, value) for value, text in SHARING.items()]
    return InputBlock(
        block_id=F.SHARING,
        label="Who sees the actions",
        element=RadioButtonsElement(
            action_id=F.SHARING.action_id,
            options=options,
            initial_option=options[0 if shared else 1],
        ),
    )


def _modal(
    callback: str, title: str, submit: str, meta: str, blocks: list[Block]
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=meta,
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


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
    meta = dump_meta(s=draft.set.id, p=draft.session.id, t=draft.topic_id)
    return _modal(CallbackId.COMMIT, "Commit actions", "Commit", meta, blocks)


def parse_commit(view: dict[str, Any]) -> CommitForm:
    lines = tuple(
        ActionLine(
            text=_value(view, action_field(i), ITEM_ACTION).get("value") or "",
            target=_date(_value(view, target_field(i), ITEM_ACTION).get("selected_date")),
        )
        for i in range(MAX_ACTIONS)
    )
    sharing = (_value(view, F.SHARING, F.SHARING.action_id).get("selected_option") or {}).get(
        "value"
    )
    return CommitForm(
        actions=lines,
        note=_value(view, F.NOTE, F.NOTE.action_id).get("value") or "",
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
    return _modal(CallbackId.EDIT_ACTION, "Edit action", "Save", dump_meta(a=action.id), blocks)


def parse_edit(view: dict[str, Any]) -> ActionLine:
    return ActionLine(
        text=_value(view, action_field(0), ITEM_ACTION).get("value") or "",
        target=_date(_value(view, target_field(0), ITEM_ACTION).get("selected_date")),
    )


# -- reporting back -------------------------------------------------------------------------
def report_modal(draft: ReportDraft) -> dict[str, Any]:
    report = draft.report
    options = [_option(s.label, s.value) for s in ReportStatus]
    initial = None
    if report is not None:
        initial = options[list(ReportStatus).index(ReportStatus(report.status))]
    blocks: list[Block] = [
        md(f"*{escape(draft.action.text)}*"),
        context(
            f"For the report-back round of the session of {session_when(draft.session)} "
            f"({escape(draft.action.set_name)})."
            + (" You reported already: this updates your report." if report else "")
        ),
        InputBlock(
            block_id=F.STATUS,
            label="How did it go?",
            element=RadioButtonsElement(
                action_id=F.STATUS.action_id, options=options, initial_option=initial
            ),
        ),
        text_field(
            F.HAPPENED,
            F.HAPPENED.action_id,
            "What happened",
            multiline=True,
            max_length=HAPPENED_MAX,
            initial=report.happened if report else None,
            hint=f"At most {HAPPENED_MAX_LINES} lines. Only you see it; the set sees the status.",
        ),
        text_field(
            F.LEARNED,
            F.LEARNED.action_id,
            "What I learned",
            optional=True,
            multiline=True,
            max_length=LEARNED_MAX,
            initial=report.learned if report else None,
        ),
    ]
    return _modal(CallbackId.REPORT, "Report back", "Save", dump_meta(a=draft.action.id), blocks)


def parse_report(view: dict[str, Any]) -> ReportForm:
    raw = (_value(view, F.STATUS, F.STATUS.action_id).get("selected_option") or {}).get("value")
    try:
        status = ReportStatus(raw) if raw else None
    except ValueError:
        status = None
    return ReportForm(
        status=status,
        happened=_value(view, F.HAPPENED, F.HAPPENED.action_id).get("value") or "",
        learned=_value(view, F.LEARNED, F.LEARNED.action_id).get("value") or "",
    )


def report_confirmation(outcome: ReportOutcome) -> Message:
    status = ReportStatus(outcome.report.status)
    still = (
        " It stays on your list until you report it done or changed."
        if outcome.action.status == ActionStatus.OPEN
        else " It is now closed."
    )
    text = (
        f"Thanks: *{escape(outcome.action.text)}* reported as _{status.label.lower()}_ for the "
        f"session of {session_when(outcome.session)}.{still}"
    )
    return Message(text="Your report back is saved", blocks=render([md(text)]))


# -- the report-back round ------------------------------------------------------------------
def round_message(state: RoundState) -> Message:
    blocks: list[Block] = [
        header("Report-back round"),
        md(
            f"Before we choose today's topics: what happened with the actions from earlier "
            f"sessions (session of {session_when(state.session)})."
        ),
    ]
    if not state.members:
        blocks.append(md("Nobody has open actions from earlier sessions."))
    for member in state.members[:40]:
        lines = [mention(member.user_id)]
        for text, status in member.shared:
            label = ReportStatus(status).label.lower() if status else "_not reported yet_"
            lines.append(f"• {escape(clip(text, 200))}: {label}")
        if member.private_total:
            n = member.private_total
            lines.append(
                f"• {n} private action{'s' if n != 1 else ''}: {member.private_reported} reported"
            )
        blocks.append(md(clip("\n".join(lines), 3000)))
    waiting = state.waiting
    blocks.append(
        context(
            clip(
                "Not reported yet: " + ", ".join(mention(u) for u in waiting)
                if waiting
                else "Everyone has reported.",
                2000,
            )
        )
    )
    blocks.append(context(f"Report back with `{COMMAND} actions`. This message updates itself."))
    return Message(text="Report-back round", blocks=render(blocks))


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
    meta = dump_meta(s=draft.set.id, p=draft.session.id)
    return _modal(CallbackId.LOG, "Learning log", "Save", meta, blocks)


def parse_log(view: dict[str, Any]) -> LogForm:
    return LogForm(
        about_issue=_value(view, F.ABOUT_ISSUE, F.ABOUT_ISSUE.action_id).get("value") or "",
        about_set=_value(view, F.ABOUT_SET, F.ABOUT_SET.action_id).get("value") or "",
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
