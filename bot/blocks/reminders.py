"""The scheduler's messages: prep prompts, nudges, report-back reminders, session-day posts,
reflection prompts, and the notices of a moved or cancelled session.

Counts only in channel posts; a member's own actions only in their own DM. User text (set
names, action titles) is escaped, so it can neither ping ``@channel`` nor fake a mention."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot.blocks.attendance import attendance_line, presence_message, rsvp_buttons
from bot.blocks.calendar import session_buttons
from bot.blocks.common import Message, clip, context, md, render
from bot.blocks.meta import claimed_id, claimed_ids
from bot.blocks.review import heads_up_message, reminder_review
from bot.blocks.text import count, date_token, escape, mention
from bot.domain.reminders import Kind
from bot.ids import COMMAND, ActionId
from bot.services.views import Context


def _when(ctx: Context) -> str:
    return date_token(ctx.starts_at, "{date_long_pretty} at {time}")


def _topic_button(ctx: Context, label: str) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(
                text=label,
                action_id=ActionId.TOPIC_OPEN,
                value=topic_button_value(ctx.set_id, ctx.session_id),
                style="primary",
            )
        ]
    )


def log_button_value(set_id: int, session_id: int) -> str:
    """The reflection prompt's button value: ``<set id>:<session id>`` (a claim, checked
    against the database when clicked)."""
    return f"{set_id}:{session_id}"


def topic_button_value(set_id: int, session_id: int) -> str:
    """A topic prompt's button value: ``<set id>:<session id>``, the session it is about (the
    Home tab's button carries the set id alone: the session topics go to now)."""
    return f"{set_id}:{session_id}"


def parse_topic_button(value: str | None) -> tuple[int, int | None] | None:
    """The (set id, session id or None) a topic button claims; None for a damaged value."""
    alone = claimed_id(value)
    if alone is not None:
        return (alone, None)
    ids = claimed_ids(value, 2)
    return (ids[0], ids[1]) if ids else None


def parse_log_button(value: str | None) -> tuple[int, int] | None:
    """The (set id, session id) a log button claims, or None for a damaged or forged value."""
    ids = claimed_ids(value, 2)
    return (ids[0], ids[1]) if ids else None


def _log_button(ctx: Context) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(
                text="Write in your learning log",
                action_id=ActionId.LOG_OPEN,
                value=log_button_value(ctx.set_id, ctx.session_id),
                style="primary",
            )
        ]
    )


def reminder_message(ctx: Context) -> Message:
    """The message a reminder sends (to the member's DM, or the set's channel)."""
    name = f"*{escape(ctx.set_name)}*"
    when = _when(ctx)
    match ctx.kind:
        case Kind.PREP_PROMPT:
            text = f"Your next {name} session is {when}. Time to prepare your topic."
            return Message(
                text=text,
                blocks=render(
                    [
                        md(
                            f"{text}\nIn at most 10 lines: the situation, and the question you "
                            "want the group's help with. You can keep it private (the set sees "
                            "only its title and your name), or answer *No topic this time*."
                        ),
                        _topic_button(ctx, "Prepare your topic"),
                        context("Are you coming? Tell the set early if you can't."),
                        rsvp_buttons(ctx.session_id),
                    ]
                ),
            )
        case Kind.PREP_NUDGE:
            text = f"{name} meets {when}, and you have not answered yet."
            return Message(
                text=text,
                blocks=render(
                    [
                        md(f"{text} A topic, or *No topic this time*: either helps the group."),
                        _topic_button(ctx, "Answer now"),
                    ]
                ),
            )
        case Kind.REPORT_REMINDER:
            text = f"{name} meets {when}: time to report back on your actions."
            blocks: list = [md(text)]
            for action in ctx.actions[:20]:
                blocks.append(
                    SectionBlock(
                        text=f"• {escape(clip(action.text, 280))}"
                        + ("" if action.shared else "  _(private)_"),
                        accessory=ButtonElement(
                            text="Report back",
                            action_id=ActionId.ACTION_REPORT,
                            value=str(action.id),
                        ),
                    )
                )
            blocks.append(context("What you write is for you; the set sees only the status."))
            return Message(text=text, blocks=render(blocks))
        case Kind.SESSION_POST:
            text = (
                f"{name} starts {date_token(ctx.starts_at, '{time}')}: "
                f"{count(ctx.topics_in, 'topic')} in, {ctx.reports_in} of "
                f"{count(ctx.reporters, 'report-back')} in."
            )
            who: list[Block] = [md(text)]
            if ctx.facilitator_id:
                who.append(context(f"Facilitator: {mention(ctx.facilitator_id)}"))
            if ctx.attendance is not None:
                who.append(context(f"Attendance: {attendance_line(ctx.attendance)}"))
            return Message(text=text, blocks=render(who))
        case Kind.FACILITATOR_PREP:
            return facilitator_prep(ctx, name, when)
        case Kind.REVIEW:
            return reminder_review(ctx)
        case Kind.HEADS_UP:
            return heads_up_message(ctx)
        case Kind.QUORUM:
            who_can = ctx.attendance
            able = len(who_can.coming) + len(who_can.waiting) if who_can else 0
            text = (
                f"{name} meets {when}, and only {count(able, 'member')} can still come: "
                f"the set agreed on at least {ctx.min_members}."
            )
            quorum: list[Block] = [md(f"{text} Move the session, or cancel it?")]
            if who_can is not None:
                quorum.append(context(attendance_line(who_can)))
            quorum.append(session_buttons(ctx.session_id))
            return Message(text=text, blocks=render(quorum))
        case Kind.ATTENDANCE:
            if ctx.presence is None:  # never sent without one (the context reads it)
                text = f"Who came to today's {name} session?"
                return Message(text=text, blocks=render([md(text)]))
            return presence_message(ctx.presence)
        case Kind.AUTO_VOTE:
            text = f"{name}: the agenda vote is open."
            return Message(text=text, blocks=render([md(text)]))
        case Kind.REFLECTION:
            text = f"How was today's {name} session? A few lines in your learning log help."
            return Message(
                text=text,
                blocks=render(
                    [
                        md(
                            f"{text} What did you learn about your issue, and about how the "
                            "set works? Only you can read your log "
                            f"(`{COMMAND} log list` shows it)."
                        ),
                        _log_button(ctx),
                    ]
                ),
            )
        case Kind.MOVED:
            text = f"The {name} session you were reminded about has moved: it is now {when}."
            return Message(text=text, blocks=render([md(text)]))
        case Kind.CANCELLED:
            text = f"The {name} session of {when} is cancelled."
            return Message(text=text, blocks=render([md(text)]))
    raise AssertionError(ctx.kind)  # pragma: no cover


#: The stages of a session (``ALS_PRACTICE.md``), for the facilitator's preparation.
STAGES = (
    "check-in",
    "report-back round",
    "agenda: topics, order and minutes",
    "each topic: presenting, clarifying questions, open questions, the presenter's summary, "
    "offers, actions",
    "closing reflection (never skipped)",
)


def facilitator_prep(ctx: Context, name: str, when: str) -> Message:
    """The session's facilitator's checklist, as things stand when it is sent."""
    text = f"You facilitate {name} {when}."
    lines = [
        f"*Topics in:* {ctx.topics_in}",
        f"*Report-backs due:* {ctx.reports_in} of {count(ctx.reporters, 'member')} with actions "
        "have reported",
    ]
    if ctx.attendance is not None:
        lines.insert(0, f"*Who is coming:* {attendance_line(ctx.attendance)}")
    stages = " → ".join(STAGES)
    return Message(
        text=text,
        blocks=render(
            [
                md(f"{text} Your checklist:\n" + "\n".join(f"• {x}" for x in lines)),
                context(f"The session's stages: {stages}."),
                context(
                    f"Can't facilitate it? *Hand over…* under the session in `{COMMAND} "
                    "sessions` asks a member or the set for a stand-in."
                ),
            ]
        ),
    )


def unreachable_notice(set_name: str, target: str, is_channel: bool, error: str) -> Message:
    """To the facilitator, once per target: Slack refused a reminder for good."""
    who = "the set's channel" if is_channel else mention(target)
    text = (
        f"I could not deliver a *{escape(set_name)}* reminder to {who} (Slack said "
        f"`{escape(error)}`), so I have stopped sending them there."
    )
    if is_channel:
        text += " Check that I am still in the channel and that it is not archived."
    return Message(text=text, blocks=render([md(text)]))
