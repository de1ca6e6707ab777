"""The set-up modal (``/als setup``) and its state parser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.common import clip, number_field, text_field
from bot.blocks.meta import Meta, key
from bot.domain.agenda import VoteRules
from bot.domain.reminders import ReminderSettings
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
    SetupForm,
)
from bot.ids import CallbackId
from bot.ids import SetupField as F
from bot.services.views import SetInfo

PARTICIPATES = "participates"
AUTO_VOTE = "auto_vote"


@dataclass(frozen=True)
class SetupMeta(Meta):
    """``private_metadata`` of the modal. A claim from the client, re-checked on submit."""

    channel_id: str = key("c")
    set_id: int | None = key("s")


def _cadence_option(weeks: int) -> Option:
    label = "Every week" if weeks == 1 else f"Every {weeks} weeks"
    return Option(text=PlainTextObject(text=label), value=str(weeks))


def setup_modal(
    *, channel_id: str, caller_id: str, caller_tz: str | None, existing: SetInfo | None
) -> dict[str, Any]:
    """The modal, empty for a new set or prefilled from ``existing``."""
    tz = existing.timezone if existing else (caller_tz or "UTC")
    next_session = existing.next_session if existing else None
    first_date: date | None = next_session.local_date if next_session else None
    first_time: time = existing.session_time if existing else time(10, 0)
    cadence = existing.cadence_weeks if existing else 4
    length = existing.session_minutes if existing else DEFAULT_SESSION_MINUTES
    facilitator = existing.facilitator_id if existing and existing.facilitator_id else caller_id
    members = [u for u in existing.member_ids if u != facilitator] if existing else []
    participates_option = Option(
        text=PlainTextObject(text="The facilitator also brings topics and votes"),
        value=PARTICIPATES,
    )
    participates = existing.facilitator_participates if existing else False
    rules = existing.rules if existing else VoteRules()
    self_vote_option = Option(
        text=PlainTextObject(text="Members may vote for their own topic"), value="self_vote"
    )

    blocks = [
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
            hint="5-7 participants is recommended; 2-12 are allowed.",
            element=UserMultiSelectElement(
                action_id=F.MEMBERS.action_id,
                initial_users=members or None,
                placeholder="Choose the members",
            ),
        ),
        InputBlock(
            block_id=F.PARTICIPATES,
            label="Facilitator's part",
            optional=True,
            element=CheckboxesElement(
                action_id=F.PARTICIPATES.action_id,
                options=[participates_option],
                initial_options=[participates_option] if participates else None,
            ),
        ),
        text_field(
            F.TIMEZONE,
            F.TIMEZONE.action_id,
            "Set's time zone",
            max_length=64,
            initial=tz,
            hint="IANA name, e.g. Europe/London, America/New_York, Australia/Sydney.",
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=(
                        f":clock3: The date and time below are wall-clock time in the set's time "
                        f"zone above (*{tz}*), not in your own. Each member sees sessions in their "
                        "own zone."
                    )
                )
            ]
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
        HeaderBlock(text=PlainTextObject(text="Agenda vote")),
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
        InputBlock(
            block_id=F.SELF_VOTE,
            label="Own topic",
            optional=True,
            element=CheckboxesElement(
                action_id=F.SELF_VOTE.action_id,
                options=[self_vote_option],
                initial_options=[self_vote_option] if rules.self_vote else None,
            ),
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
    view = View(
        type="modal",
        callback_id=CallbackId.SETUP,
        title=PlainTextObject(text="Change the set" if existing else "Set up a set"),
        submit=PlainTextObject(text="Save" if existing else "Create set"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=SetupMeta(
            channel_id=channel_id, set_id=existing.id if existing else None
        ).dump(),
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


def _programme_blocks(existing: SetInfo | None) -> list[Any]:
    ends_on = existing.programme_ends_on if existing else None
    return [
        HeaderBlock(text=PlainTextObject(text="Programme end (optional)")),
        number_field(
            F.PROGRAMME_SESSIONS,
            F.PROGRAMME_SESSIONS.action_id,
            "Number of sessions",
            1,
            MAX_PROGRAMME_SESSIONS,
            existing.programme_sessions if existing else None,
            optional=True,
            hint="Counted from the first session; extra sessions do not count. Empty: no end.",
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
    ]


_REMINDER_LABELS = {
    F.PREP_DAYS: "Topic prompt: days before a session",
    F.NUDGE_DAYS: "Nudge (no answer yet): days before",
    F.REPORT_DAYS: "Report-back reminder: days before",
    F.POST_MINUTES: "Channel post: minutes before the start",
    F.REFLECTION_MINUTES: "Reflection prompt: minutes after the end",
}


def _reminder_blocks(cfg: ReminderSettings) -> list[Any]:
    auto_option = Option(
        text=PlainTextObject(text="Open the agenda vote automatically when the session starts"),
        value=AUTO_VOTE,
    )
    blocks: list[Any] = [HeaderBlock(text=PlainTextObject(text="Reminders"))]
    for field, label in _REMINDER_LABELS.items():
        low, high = REMINDER_BOUNDS[field.value]
        blocks.append(
            number_field(
                field, field.action_id, label, low, high, getattr(cfg, field.value), optional=True
            )
        )
    blocks.append(
        InputBlock(
            block_id=F.AUTO_VOTE,
            label="Agenda vote",
            optional=True,
            element=CheckboxesElement(
                action_id=F.AUTO_VOTE.action_id,
                options=[auto_option],
                initial_options=[auto_option] if cfg.auto_vote else None,
            ),
        )
    )
    return blocks


def _slots_option(n: int) -> Option:
    label = "Automatic: 2 under 2 hours, 3 otherwise" if n == 0 else f"{n}"
    return Option(text=PlainTextObject(text=label), value=str(n))


def _value(values: dict[str, Any], field: F) -> dict[str, Any]:
    return (values.get(field.value) or {}).get(field.action_id) or {}


def parse_setup(view: dict[str, Any]) -> SetupForm:
    """Turn the submitted ``view.state`` into a ``SetupForm`` (bad values become None and are
    reported by validation)."""
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}

    def text(field: F) -> str:
        return (_value(values, field).get("value") or "").strip()

    first_date: date | None
    try:
        first_date = date.fromisoformat(_value(values, F.FIRST_DATE).get("selected_date") or "")
    except ValueError:
        first_date = None
    first_time: time | None
    try:
        first_time = time.fromisoformat(_value(values, F.FIRST_TIME).get("selected_time") or "")
    except ValueError:
        first_time = None
    cadence: int | None
    try:
        cadence = int((_value(values, F.CADENCE).get("selected_option") or {}).get("value", ""))
    except ValueError:
        cadence = None

    def number(field: F) -> int | None:
        try:
            return int(text(field))
        except ValueError:
            return None

    def optional_number(field: F) -> int | None:
        """Empty: None (the default applies); not a whole number: -1 (out of every range)."""
        raw = text(field)
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            return -1

    try:
        ends_on: date | None = date.fromisoformat(
            _value(values, F.PROGRAMME_ENDS_ON).get("selected_date") or ""
        )
    except ValueError:
        ends_on = None

    minutes = number(F.LENGTH)
    try:
        slots = int((_value(values, F.SLOTS).get("selected_option") or {}).get("value", "0"))
    except ValueError:
        slots = -1
    participates = any(
        o.get("value") == PARTICIPATES
        for o in _value(values, F.PARTICIPATES).get("selected_options") or []
    )
    return SetupForm(
        name=text(F.NAME),
        facilitator_id=_value(values, F.FACILITATOR).get("selected_user") or None,
        member_ids=tuple(_value(values, F.MEMBERS).get("selected_users") or ()),
        timezone=text(F.TIMEZONE),
        first_date=first_date,
        first_time=first_time,
        cadence_weeks=cadence,
        session_minutes=minutes,
        place=text(F.PLACE) or None,
        facilitator_participates=participates,
        ground_rules=_value(values, F.GROUND_RULES).get("value") or "",
        budget=number(F.BUDGET),
        cap=number(F.CAP),
        self_vote=bool(_value(values, F.SELF_VOTE).get("selected_options")),
        slots=slots,
        opening_minutes=number(F.OPENING),
        closing_minutes=number(F.CLOSING),
        programme_sessions=optional_number(F.PROGRAMME_SESSIONS),
        programme_ends_on=ends_on,
        prep_days=optional_number(F.PREP_DAYS),
        nudge_days=optional_number(F.NUDGE_DAYS),
        report_days=optional_number(F.REPORT_DAYS),
        post_minutes=optional_number(F.POST_MINUTES),
        reflection_minutes=optional_number(F.REFLECTION_MINUTES),
        auto_vote=any(
            o.get("value") == AUTO_VOTE
            for o in _value(values, F.AUTO_VOTE).get("selected_options") or []
        ),
    )
