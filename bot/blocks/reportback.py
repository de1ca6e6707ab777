"""Reporting back: the report modal and its confirmation, and the report-back round's channel
message (statuses of shared actions and counts of private ones: never what a report says).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    RadioButtonsElement,
)

from bot.blocks.actions import ActionMeta
from bot.blocks.common import Message, clip, context, header, md, render, text_field
from bot.blocks.forms import modal, option, value
from bot.blocks.messages import session_when
from bot.blocks.text import escape, mention
from bot.domain.actions import (
    HAPPENED_MAX,
    HAPPENED_MAX_LINES,
    LEARNED_MAX,
    ActionStatus,
    ReportForm,
    ReportStatus,
)
from bot.ids import COMMAND, CallbackId
from bot.ids import ActionField as F
from bot.services.views import (
    ReportDraft,
    ReportOutcome,
    RoundState,
)


# -- reporting back -------------------------------------------------------------------------
def report_modal(draft: ReportDraft) -> dict[str, Any]:
    report = draft.report
    options = [option(s.label, s.value) for s in ReportStatus]
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
    return modal(
        CallbackId.REPORT, "Report back", "Save", ActionMeta(draft.action.id).dump(), blocks
    )


def parse_report(view: dict[str, Any]) -> ReportForm:
    raw = (value(view, F.STATUS, F.STATUS.action_id).get("selected_option") or {}).get("value")
    try:
        status = ReportStatus(raw) if raw else None
    except ValueError:
        status = None
    return ReportForm(
        status=status,
        happened=value(view, F.HAPPENED, F.HAPPENED.action_id).get("value") or "",
        learned=value(view, F.LEARNED, F.LEARNED.action_id).get("value") or "",
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
        if member.earlier_total:
            n = member.earlier_total
            lines.append(
                f"• {n} action{'s' if n != 1 else ''} from before the set's newest members "
                f"joined: {member.earlier_reported} reported"
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
