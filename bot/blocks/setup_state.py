"""What the set-up modal's state says (``bot.blocks.setup``), as a ``SetupForm``; and where its
field errors can be shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

from bot.blocks.setup import AUTO_VOTE, PARTICIPATES, SELF_VOTE, shows_more
from bot.domain.retention import retention_of
from bot.domain.sets import DEFAULT_GROUND_RULES, SetupForm
from bot.ids import SetupField as F

#: Where an error about a setting the form does not show is told instead (the essentials
#: only): the rounds and topics are about the session's length, the programme's end about
#: the first date.
_SHOWN_ON: dict[str, str] = {
    F.OPENING: F.LENGTH,
    F.CLOSING: F.LENGTH,
    F.SLOTS: F.LENGTH,
    F.PROGRAMME_SESSIONS: F.FIRST_DATE,
    F.PROGRAMME_ENDS_ON: F.FIRST_DATE,
}


def _value(values: dict[str, Any], field: F) -> dict[str, Any]:
    return (values.get(field.value) or {}).get(field.action_id) or {}


def _chosen(values: dict[str, Any], field: F) -> str | None:
    option = _value(values, field).get("selected_option") or {}
    value = option.get("value")
    return value if isinstance(value, str) else None


def parse_setup(view: dict[str, Any]) -> SetupForm:
    """Turn the submitted ``view.state`` into a ``SetupForm`` (bad values become None and are
    reported by validation). Without "More settings" shown, those take the defaults (``more``
    False: the service keeps an existing set's own)."""
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}

    def text(field: F) -> str:
        return (_value(values, field).get("value") or "").strip()

    def picked_date(field: F, key: str) -> date | None:
        try:
            return date.fromisoformat(_value(values, field).get(key) or "")
        except ValueError:
            return None

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

    first_time: time | None
    try:
        first_time = time.fromisoformat(_value(values, F.FIRST_TIME).get("selected_time") or "")
    except ValueError:
        first_time = None
    try:
        cadence: int | None = int(_chosen(values, F.CADENCE) or "")
    except ValueError:
        cadence = None
    essentials = SetupForm(
        name=text(F.NAME),
        facilitator_id=_value(values, F.FACILITATOR).get("selected_user") or None,
        member_ids=tuple(_value(values, F.MEMBERS).get("selected_users") or ()),
        timezone=_chosen(values, F.TIMEZONE) or "",
        first_date=picked_date(F.FIRST_DATE, "selected_date"),
        first_time=first_time,
        cadence_weeks=cadence,
        session_minutes=number(F.LENGTH),
        place=text(F.PLACE) or None,
        facilitator_participates=False,
        ground_rules=DEFAULT_GROUND_RULES,
        more=False,
    )
    if not shows_more(view):
        return essentials
    try:
        slots = int(_chosen(values, F.SLOTS) or "0")
    except ValueError:
        slots = -1
    return replace(
        essentials,
        more=True,
        facilitator_participates=_chosen(values, F.PARTICIPATES) == PARTICIPATES,
        ground_rules=_value(values, F.GROUND_RULES).get("value") or "",
        budget=number(F.BUDGET),
        cap=number(F.CAP),
        self_vote=_chosen(values, F.SELF_VOTE) == SELF_VOTE,
        slots=slots,
        opening_minutes=number(F.OPENING),
        closing_minutes=number(F.CLOSING),
        programme_sessions=optional_number(F.PROGRAMME_SESSIONS),
        programme_ends_on=picked_date(F.PROGRAMME_ENDS_ON, "selected_date"),
        prep_days=optional_number(F.PREP_DAYS),
        nudge_days=optional_number(F.NUDGE_DAYS),
        report_days=optional_number(F.REPORT_DAYS),
        post_minutes=optional_number(F.POST_MINUTES),
        reflection_minutes=optional_number(F.REFLECTION_MINUTES),
        auto_vote=_chosen(values, F.AUTO_VOTE) == AUTO_VOTE,
        quorum_days=optional_number(F.QUORUM_DAYS),
        notice_hours=optional_number(F.NOTICE_HOURS),
        min_members=optional_number(F.MIN_MEMBERS),
        stages=text(F.STAGES),
        retention_days=retention_of(_chosen(values, F.RETENTION)),
    )


def shown_errors(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """``errors`` on the fields the modal shows: one about a setting under a closed "More
    settings" is told on the essential it depends on (and says where to change it)."""
    shown = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    out: dict[str, str] = {}
    for field, message in errors.items():
        if field not in shown:
            field = _SHOWN_ON.get(field, F.NAME)
            message = f"{message} (under More settings)"
        out[field] = f"{out[field]} {message}" if field in out else message
    return out
