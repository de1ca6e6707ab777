"""The set-up modal (``/als setup``): the essentials first; the voting rules, the programme's
end, the reminders and the ground rules under "More settings", shown on request (the modal is
redrawn with them, keeping what was typed). Its state is read by ``bot.blocks.setup_state``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.common import clip, number_field, text_field
from bot.blocks.meta import Meta, key
from bot.blocks.retention import retention_block
from bot.blocks.zones import zone_select
from bot.domain.agenda import VoteRules
from bot.domain.attendance import MAX_MIN_MEMBERS, MAX_NOTICE_HOURS, AttendanceSettings
from bot.domain.live import DEFAULT_TEMPLATE, template_text
from bot.domain.reminders import ReminderSettings
from bot.domain.retention import DEFAULT_RETENTION_DAYS, retention_text
from bot.domain.schedule import (
    CADENCE_WEEKS,
    DEFAULT_SESSION_MINUTES,
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
)
from bot.domain.sets import (
    DEFAULT_GROUND_RULES,
    MAX_BUDGET,
    MAX_CAP,
    MAX_PROGRAMME_SESSIONS,
    MAX_ROUND_MINUTES,
    MAX_SLOTS,
    NAME_MAX,
    PLACE_MAX,
    REMINDER_BOUNDS,
    RULES_MAX,
)
from bot.domain.text import count
from bot.domain.zones import UTC
from bot.ids import ActionId, CallbackId
from bot.ids import SetupField as F
from bot.services.views import SetInfo

# The values of the radio buttons (the first of each pair is the default).
FACILITATES_ONLY, PARTICIPATES = "facilitates", "participates"
NO_SELF_VOTE, SELF_VOTE = "no_self_vote", "self_vote"
MANUAL_VOTE, AUTO_VOTE = "manual_vote", "auto_vote"


@dataclass(frozen=True)
class SetupMeta(Meta):
    """``private_metadata`` of the modal. A claim from the client, re-checked on submit."""

    channel_id: str = key("c")
    set_id: int | None = key("s")


def _option(label: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=label), value=value)


def _cadence_option(weeks: int) -> Option:
    return _option("Every week" if weeks == 1 else f"Every {weeks} weeks", str(weeks))


def _radio(field: F, label: str, choices: list[tuple[str, str]], chosen: bool) -> InputBlock:
    """A required yes/no as two radio buttons, ``chosen`` picking the second."""
    options = [_option(text, value) for text, value in choices]
    return InputBlock(
        block_id=field,
        label=label,
        element=RadioButtonsElement(
            action_id=field.action_id, options=options, initial_option=options[int(chosen)]
        ),
    )


def setup_modal(
    *,
    channel_id: str,
    caller_id: str,
    caller_tz: str | None,
    existing: SetInfo | None,
    external_id: str | None = None,
    more: bool = False,
) -> dict[str, Any]:
    """The modal, empty for a new set or prefilled from ``existing``; with ``more``, the
    settings beyond the essentials too."""
    tz = existing.timezone if existing else (caller_tz or UTC)
    next_session = existing.next_session if existing else None
    first_date: date | None = next_session.local_date if next_session else None
    first_time: time = existing.session_time if existing else time(10, 0)
    cadence = existing.cadence_weeks if existing else 4
    length = existing.session_minutes if existing else DEFAULT_SESSION_MINUTES
    facilitator = existing.facilitator_id if existing and existing.facilitator_id else caller_id
    members = [u for u in existing.member_ids if u != facilitator] if existing else []

    blocks: list[Any] = [
        text_field(
            F.NAME,
            F.NAME.action_id,
            "Set name",
            max_length=NAME_MAX,
            initial=existing.name if existing else None,
            placeholder="e.g. Leaders' set 2027",
        ),
        InputBlock(
            block_id=F.FACILITATOR,
            label="Facilitator",
            hint="A member with an extra role. Often an external coach at first; it can rotate later.",
            element=UserSelectElement(action_id=F.FACILITATOR.action_id, initial_user=facilitator),
        ),
        InputBlock(
            block_id=F.MEMBERS,
            label="Members",
            hint="5-7 people is recommended; 2-12 are allowed. People only: no bots or apps.",
            element=UserMultiSelectElement(
                action_id=F.MEMBERS.action_id,
                initial_users=members or None,
                placeholder="Choose the members",
            ),
        ),
        InputBlock(
            block_id=F.TIMEZONE,
            label="Set's time zone",
            hint="The date and time below are wall-clock time in this zone. Each member sees "
            "sessions in their own zone.",
            element=zone_select(tz),
        ),
        InputBlock(
            block_id=F.FIRST_DATE,
            label="Next session: date" if existing else "First session: date",
            element=DatePickerElement(
                action_id=F.FIRST_DATE.action_id,
                initial_date=first_date.isoformat() if first_date else None,
            ),
        ),
        InputBlock(
            block_id=F.FIRST_TIME,
            label="Start time",
            element=TimePickerElement(
                action_id=F.FIRST_TIME.action_id, initial_time=first_time.strftime("%H:%M")
            ),
        ),
        InputBlock(
            block_id=F.CADENCE,
            label="Meets",
            element=StaticSelectElement(
                action_id=F.CADENCE.action_id,
                options=[_cadence_option(w) for w in CADENCE_WEEKS],
                initial_option=_cadence_option(cadence),
            ),
        ),
        number_field(
            F.LENGTH,
            F.LENGTH.action_id,
            "Session length (minutes)",
            MIN_SESSION_MINUTES,
            MAX_SESSION_MINUTES,
            length,
        ),
        text_field(
            F.PLACE,
            F.PLACE.action_id,
            "Place or meeting link",
            optional=True,
            max_length=PLACE_MAX,
            initial=existing.place if existing and existing.place else None,
        ),
        *(_more_blocks(existing) if more else _more_button(existing)),
    ]
    view = View(
        type="modal",
        callback_id=CallbackId.SETUP,
        title=PlainTextObject(text="Change the set" if existing else "Set up a set"),
        submit=PlainTextObject(text="Save" if existing else "Create set"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=SetupMeta(
            channel_id=channel_id, set_id=existing.id if existing else None
        ).dump(),
        external_id=external_id,
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


def shows_more(view: dict[str, Any]) -> bool:
    """Does this (submitted) set-up modal show the settings beyond the essentials?"""
    return any(b.get("block_id") == F.GROUND_RULES for b in view.get("blocks") or [])


def _more_button(existing: SetInfo | None) -> list[Any]:
    return [
        DividerBlock(),
        SectionBlock(
            block_id="more",
            text=MarkdownTextObject(text=f"*More settings*\n{settings_summary(existing)}"),
            accessory=ButtonElement(
                text="Change them", action_id=ActionId.SETUP_MORE, value="more"
            ),
        ),
    ]


def settings_summary(existing: SetInfo | None) -> str:
    """The settings under "More settings", in a line each, as they stand."""
    rules = existing.rules if existing else VoteRules()
    cfg = existing.reminders if existing else ReminderSettings()
    notice = (existing.attendance if existing else AttendanceSettings()).notice_hours
    own = "may" if rules.self_vote else "may not"
    slots = f"{rules.slots}" if rules.slots else "2 under 2 hours, 3 otherwise"
    ends = []
    if existing and existing.programme_sessions:
        ends.append(count(existing.programme_sessions, "session"))
    if existing and existing.programme_ends_on:
        ends.append(f"on or before {existing.programme_ends_on:%-d %b %Y}")
    part = (
        "also brings topics and votes"
        if existing and existing.facilitator_participates
        else "facilitates only"
    )
    lines = [
        f"Agenda vote: {count(rules.budget, 'vote')} per member, at most {rules.cap} on one "
        f"topic; members {own} vote for their own; topics per session: {slots}.",
        f"Rounds: report-back {rules.opening_minutes} min, closing {rules.closing_minutes} min. "
        f"The facilitator {part}. Apologies: {count(notice, 'hour')} notice.",
        "A topic's stages: "
        + template_text(existing.stages if existing else DEFAULT_TEMPLATE)
        + " min (presenting, clarifying, open questions, summary, actions), scaled to its time.",
        f"Programme end: {', '.join(ends) if ends else 'none'}; members' texts "
        + retention_text(existing.retention_days if existing else DEFAULT_RETENTION_DAYS)
        + f". Topic prompt "
        f"{count(cfg.prep_days, 'day')} before a session"
        + ("; the vote opens by itself." if cfg.auto_vote else "."),
        "Ground rules: " + ("the set's own." if existing else "the standard six."),
    ]
    return "\n".join(lines)


def _more_blocks(existing: SetInfo | None) -> list[Any]:
    rules = existing.rules if existing else VoteRules()
    return [
        HeaderBlock(text=PlainTextObject(text="Agenda vote")),
        _radio(
            F.PARTICIPATES,
            "Facilitator's part",
            [
                ("Facilitates only", FACILITATES_ONLY),
                ("Also brings topics and votes", PARTICIPATES),
            ],
            existing.facilitator_participates if existing else False,
        ),
        number_field(
            F.BUDGET,
            F.BUDGET.action_id,
            "Votes per member per session",
            1,
            MAX_BUDGET,
            rules.budget,
        ),
        number_field(
            F.CAP, F.CAP.action_id, "Most votes a member gives one topic", 1, MAX_CAP, rules.cap
        ),
        _radio(
            F.SELF_VOTE,
            "Own topic",
            [
                ("Members may not vote for their own topic", NO_SELF_VOTE),
                ("Members may vote for their own topic", SELF_VOTE),
            ],
            rules.self_vote,
        ),
        InputBlock(
            block_id=F.SLOTS,
            label="Topics per session",
            element=StaticSelectElement(
                action_id=F.SLOTS.action_id,
                options=[_slots_option(n) for n in range(MAX_SLOTS + 1)],
                initial_option=_slots_option(rules.slots or 0),
            ),
        ),
        number_field(
            F.OPENING,
            F.OPENING.action_id,
            "Report-back round at the start (minutes)",
            0,
            MAX_ROUND_MINUTES,
            rules.opening_minutes,
        ),
        number_field(
            F.CLOSING,
            F.CLOSING.action_id,
            "Closing reflection (minutes)",
            0,
            MAX_ROUND_MINUTES,
            rules.closing_minutes,
        ),
        text_field(
            F.STAGES,
            F.STAGES.action_id,
            "A topic's stages (minutes)",
            max_length=40,
            initial=template_text(existing.stages if existing else DEFAULT_TEMPLATE),
            optional=True,
            hint="Presenting, clarifying questions, open questions, the presenter's summary, "
            "actions: scaled to each topic's minutes in the live session. Empty: 5, 10, 15, 3, 5.",
        ),
        HeaderBlock(text=PlainTextObject(text="Attendance")),
        number_field(
            F.NOTICE_HOURS,
            F.NOTICE_HOURS.action_id,
            "Apologies notice (hours before a session)",
            0,
            MAX_NOTICE_HOURS,
            (existing.attendance if existing else AttendanceSettings()).notice_hours,
            optional=True,
            hint="Apologies given later are accepted and marked late. Empty: 24.",
        ),
        number_field(
            F.MIN_MEMBERS,
            F.MIN_MEMBERS.action_id,
            "Minimum members for a session",
            1,
            MAX_MIN_MEMBERS,
            (existing.attendance if existing else AttendanceSettings()).min_members,
            optional=True,
            hint="If fewer can come, the facilitator is asked to move or cancel. Empty: 3.",
        ),
        *_programme_blocks(existing),
        *_reminder_blocks(existing.reminders if existing else ReminderSettings()),
        text_field(
            F.GROUND_RULES,
            F.GROUND_RULES.action_id,
            "Ground rules (the set's contract)",
            max_length=RULES_MAX,
            multiline=True,
            initial=clip(existing.ground_rules if existing else DEFAULT_GROUND_RULES, RULES_MAX),
            hint=(
                "Every member is asked to agree. Changing them asks everyone to agree again."
                if existing
                else "Every member is asked to agree to these."
            ),
        ),
    ]


def _programme_blocks(existing: SetInfo | None) -> list[Any]:
    ends_on = existing.programme_ends_on if existing else None
    return [
        HeaderBlock(text=PlainTextObject(text="Programme end")),
        ContextBlock(
            elements=[MarkdownTextObject(text="Leave both empty for a set with no end date.")]
        ),
        number_field(
            F.PROGRAMME_SESSIONS,
            F.PROGRAMME_SESSIONS.action_id,
            "Number of sessions",
            1,
            MAX_PROGRAMME_SESSIONS,
            existing.programme_sessions if existing else None,
            optional=True,
            hint="Counted from the first session; extra sessions do not count.",
        ),
        InputBlock(
            block_id=F.PROGRAMME_ENDS_ON,
            label="Last session on or before",
            optional=True,
            element=DatePickerElement(
                action_id=F.PROGRAMME_ENDS_ON.action_id,
                initial_date=ends_on.isoformat() if ends_on else None,
            ),
        ),
        retention_block(existing.retention_days if existing else DEFAULT_RETENTION_DAYS),
    ]


_REMINDER_LABELS = {
    F.PREP_DAYS: "Topic prompt: days before a session",
    F.NUDGE_DAYS: "Nudge (no answer yet): days before",
    F.REPORT_DAYS: "Report-back reminder: days before",
    F.POST_MINUTES: "Channel post: minutes before the start",
    F.REFLECTION_MINUTES: "Reflection prompt: minutes after the end",
    F.QUORUM_DAYS: "Quorum check: days before (too few coming)",
}


def _reminder_blocks(cfg: ReminderSettings) -> list[Any]:
    blocks: list[Any] = [
        HeaderBlock(text=PlainTextObject(text="Reminders")),
        ContextBlock(elements=[MarkdownTextObject(text="An empty field takes the default.")]),
    ]
    for field, label in _REMINDER_LABELS.items():
        low, high = REMINDER_BOUNDS[field.value]
        blocks.append(
            number_field(
                field, field.action_id, label, low, high, getattr(cfg, field.value), optional=True
            )
        )
    blocks.append(
        _radio(
            F.AUTO_VOTE,
            "Agenda vote",
            [
                ("The facilitator opens it", MANUAL_VOTE),
                ("Open it automatically when the session starts", AUTO_VOTE),
            ],
            cfg.auto_vote,
        )
    )
    return blocks


def _slots_option(n: int) -> Option:
    label = "Automatic: 2 under 2 hours, 3 otherwise" if n == 0 else f"{n}"
    return _option(label, str(n))
