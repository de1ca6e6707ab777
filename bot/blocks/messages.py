"""Messages about a set: welcome, ground-rules DMs, the facilitator's confirmation, leaving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.common import Message, clip, context, header, md, plain, render, simple
from bot.blocks.meta import Meta, key
from bot.blocks.text import channel_link, count, date_token, escape, mention, mentions
from bot.domain.sets import size_warning
from bot.ids import COMMAND, ActionId
from bot.services.views import SessionInfo, SetInfo, SetupOutcome


def session_when(session: SessionInfo | None) -> str:
    if session is None:
        return "not planned"
    fallback = f"{session.local_date:%a %d %b %Y} {session.local_time:%H:%M} ({session.timezone})"
    return date_token(session.starts_at, "{date_long_pretty} at {time}", fallback)


def cadence_text(weeks: int) -> str:
    return "every week" if weeks == 1 else f"every {weeks} weeks"


def length_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def _facts(lset: SetInfo) -> SectionBlock:
    fields = [
        MarkdownTextObject(
            text=f"*Facilitator*\n{mention(lset.facilitator_id) if lset.facilitator_id else 'none'}"
        ),
        MarkdownTextObject(text=f"*Next session*\n{session_when(lset.next_session)}"),
        MarkdownTextObject(
            text=f"*Meets*\n{cadence_text(lset.cadence_weeks)}, {length_text(lset.session_minutes)}"
        ),
        MarkdownTextObject(text=clip(f"*Members*\n{mentions(list(lset.participants))}", 2000)),
    ]
    if lset.place:
        fields.append(MarkdownTextObject(text=clip(f"*Place*\n{escape(lset.place)}", 2000)))
    return SectionBlock(fields=fields)


def welcome_message(lset: SetInfo) -> Message:
    text = f"Welcome to {escape(lset.name)}, this channel's Action Learning Set."
    blocks = [
        header(f"Welcome to {lset.name}"),
        md(
            "This channel is the home of an Action Learning Set: we meet regularly to work on "
            "real problems, with open questions rather than advice, and report back on what we "
            "did."
        ),
        _facts(lset),
        DividerBlock(),
        md("*Our ground rules*"),
        plain(lset.ground_rules),
        context(
            ":handshake: Each member gets a direct message from me to agree to these ground "
            f"rules. `{COMMAND} help` lists what I can do."
        ),
    ]
    return Message(text=text, blocks=render(blocks))


@dataclass(frozen=True)
class RulesClaim(Meta):
    """The "I agree" button's value: the set and the version of its ground rules."""

    set_id: int = key("s")
    version: int = key("v")


def rules_value(lset: SetInfo) -> str:
    return RulesClaim(lset.id, lset.rules_version).dump()


def agree_button(lset: SetInfo) -> ButtonElement:
    return ButtonElement(
        text="I agree", action_id=ActionId.AGREE_RULES, value=rules_value(lset), style="primary"
    )


def rules_dm(lset: SetInfo, *, again: bool = False) -> Message:
    intro = (
        f"The ground rules of *{escape(lset.name)}* ({channel_link(lset.channel_id)}) have changed. "
        "Please read them and agree again."
        if again
        else f"Welcome to *{escape(lset.name)}* ({channel_link(lset.channel_id)}), facilitated by "
        f"{mention(lset.facilitator_id) if lset.facilitator_id else 'nobody yet'}. Please read the "
        "set's ground rules and agree to them."
    )
    blocks = [
        header(f"Ground rules: {lset.name}"),
        md(intro),
        plain(lset.ground_rules),
        ActionsBlock(block_id="rules", elements=[agree_button(lset)]),
        context(f"Next session: {session_when(lset.next_session)}"),
    ]
    return Message(
        text=f"Please agree to the ground rules of {escape(lset.name)}", blocks=render(blocks)
    )


def rules_agreed_dm(lset: SetInfo, at: datetime) -> Message:
    blocks = [
        header(f"Ground rules: {lset.name}"),
        plain(lset.ground_rules),
        context(
            f":white_check_mark: You agreed to these ground rules on {date_token(at, '{date_short_pretty}')}."
        ),
    ]
    return Message(
        text=f"You agreed to the ground rules of {escape(lset.name)}", blocks=render(blocks)
    )


def agreement_summary(lset: SetInfo) -> str:
    agreed = [u for u in lset.member_ids if u in lset.agreed_ids]
    line = f"*Ground rules agreed:* {len(agreed)} of {len(lset.member_ids)}"
    if lset.not_agreed:
        line += f"\nWaiting for: {mentions(list(lset.not_agreed))}"
    return line


def setup_confirmation(
    outcome: SetupOutcome,
    *,
    public_channel: bool | None = None,
    not_in_channel: list[str] | None = None,
    not_in_set: list[str] | None = None,
) -> Message:
    """The facilitator's private confirmation. The channel's facts default to the outcome's
    (as Slack showed them at the submission)."""
    lset = outcome.set
    if public_channel is None:
        public_channel = outcome.public_channel
    if not_in_channel is None:
        not_in_channel = list(outcome.not_in_channel)
    if not_in_set is None:
        not_in_set = list(outcome.not_in_set)
    title = (
        f":white_check_mark: *{escape(lset.name)}* is set up in this channel."
        if outcome.created
        else f":white_check_mark: *{escape(lset.name)}* is updated."
    )
    lines = [title, f"Next session: {session_when(lset.next_session)}"]
    warning = size_warning(len(lset.participants))
    if warning:
        lines.append(f":warning: {warning}")
    if public_channel:
        lines.append(
            ":warning: This is a *public* channel: anyone in the workspace can read what I post "
            "here. A set belongs in a private channel."
        )
    if not_in_channel:
        lines.append(
            f":point_right: Set members who are not in this channel yet: {mentions(not_in_channel)}. "
            "Invite them with `/invite`."
        )
    if not_in_set:
        lines.append(
            f":eyes: In this channel but not in the set (they can read the channel): {mentions(not_in_set)}."
        )
    if outcome.needs_agreement:
        lines.append(
            f"I've sent the ground rules to {count(len(outcome.needs_agreement), 'member')} to "
            "agree."
        )
    lines.append(agreement_summary(lset))
    blocks: list[Block] = [md(clip(line, 3000)) for line in lines]
    blocks.append(context("Only you can see this. My Home tab shows who has agreed."))
    return Message(text=title, blocks=render(blocks))


def set_updated_message(outcome: SetupOutcome) -> Message:
    lset = outcome.set
    changes: list[str] = []
    if outcome.previous_facilitator:
        changes.append(f"{mention(lset.facilitator_id or '')} is now the facilitator.")
    if outcome.added:
        changes.append(f"Joined: {mentions(list(outcome.added))}.")
    if outcome.removed:
        changes.append(f"Left: {mentions(list(outcome.removed))}.")
    if outcome.schedule_changed:
        changes.append(
            f"New schedule: {cadence_text(lset.cadence_weeks)}, {length_text(lset.session_minutes)}; "
            f"next session {session_when(lset.next_session)}."
        )
    if outcome.cancelled:
        shown = [session_when(c) for c in outcome.cancelled[:6]]
        if len(outcome.cancelled) > len(shown):
            shown.append(f"{len(outcome.cancelled) - len(shown)} more")
        verb = "is" if len(outcome.cancelled) == 1 else "are"
        changes.append(f"The programme now ends earlier: {', '.join(shown)} {verb} cancelled.")
    if outcome.rules_changed:
        changes.append(
            "The ground rules changed: everyone is asked to agree again (check your DMs)."
        )
    if not changes:
        changes.append("The set's details were updated.")
    text = f"*{escape(lset.name)}* was updated by the facilitator."
    return Message(
        text=text, blocks=render([md(text + "\n" + "\n".join(f"• {c}" for c in changes))])
    )


def leave_confirm(lset: SetInfo) -> Message:
    text = (
        f"Leave *{escape(lset.name)}*? You will stop getting its prompts and can no longer take "
        "part in it through me. The facilitator can add you back later."
    )
    blocks = [
        md(text),
        ActionsBlock(
            block_id="leave",
            elements=[
                ButtonElement(
                    text="Leave the set",
                    action_id=ActionId.LEAVE_CONFIRM,
                    value=str(lset.id),
                    style="danger",
                    confirm=ConfirmObject(
                        title="Leave the set?",
                        text=PlainTextObject(text=clip(f"You will leave {lset.name}.", 300)),
                        confirm="Leave",
                        deny="Stay",
                        style="danger",
                    ),
                ),
                ButtonElement(text="Cancel", action_id=ActionId.LEAVE_CANCEL, value=str(lset.id)),
            ],
        ),
    ]
    return Message(text=f"Leave {escape(lset.name)}?", blocks=render(blocks))


def left_message(lset: SetInfo) -> Message:
    """The leave confirmation, replaced once the member has left."""
    return Message(text=f"You left *{escape(lset.name)}*.")


def rules_agreed_note(lset: SetInfo) -> Message:
    """The answer to agreeing from the Home tab (no message to replace)."""
    return simple(f"Thank you: you agreed to the ground rules of *{escape(lset.name)}*.")


def member_left_notice(lset: SetInfo, user_id: str) -> Message:
    text = (
        f"{mention(user_id)} has left *{escape(lset.name)}*. They can still read this channel "
        "until they leave it or are removed from it."
    )
    return Message(text=text, blocks=render([md(text)]))


def rules_undelivered(lset: SetInfo, user_id: str, error: str) -> Message:
    """To the facilitator, once per member: the request to agree to the ground rules could not
    be delivered, so that member cannot agree until it is sorted out."""
    text = (
        f"I could not send {mention(user_id)} the ground rules of *{escape(lset.name)}* to agree "
        f"to (Slack said `{escape(error)}`). Check that they are still in this workspace; once "
        f"they are, `{COMMAND} setup` in {channel_link(lset.channel_id)} sends the rules again."
    )
    return Message(text=text, blocks=render([md(text)]))
