"""The facilitator rota: ``/als rota`` (who facilitates each coming session, and how turns
work) and the lead's form to change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    RadioButtonsElement,
    UserMultiSelectElement,
)

from bot.blocks.common import Message, context, header, md, number_field, render
from bot.blocks.forms import modal, option, value
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta
from bot.blocks.text import count, escape, mention, mentions
from bot.domain.rota import (
    MAX_COACH_SESSIONS,
    MAX_TURNS,
    MODE_LABELS,
    RotaMode,
    RotaSettings,
)
from bot.ids import COMMAND, ActionId, CallbackId
from bot.services.views import RotaView

MODE, MODE_INPUT = "mode", "mode_input"
COACH, COACH_INPUT = "coach_sessions", "coach_input"
TURNS, TURNS_INPUT = "turns", "turns_input"
ORDER, ORDER_INPUT = "order", "order_input"
LISTED = 6


@dataclass(frozen=True)
class RotaMeta(Meta):
    """The set whose rota the form changes (a claim: the service checks the lead)."""

    set_id: int


def how_text(view: RotaView) -> str:
    """How facilitation works in the set, in a sentence."""
    rota = view.set.rota
    lead = mention(view.set.facilitator_id or "")
    if not rota.rotates:
        return f"{lead} (the lead) facilitates every session."
    each = "" if rota.turns == 1 else f", {rota.turns} sessions each"
    turns = f"members take turns{each}: {mentions(list(view.order)) or 'nobody yet'}"
    if rota.mode == RotaMode.COACH:
        return f"{lead} (the lead) facilitates the first {count(rota.coach_sessions, 'session')}, then {turns}."
    return f"From the first session, {turns}. {lead} leads the set."


def rota_message(view: RotaView, note: str | None = None, *, private: bool = True) -> Message:
    """``/als rota``: how turns work, and the coming sessions with their facilitators (for the
    lead, privately, a button to change it)."""
    lset = view.set
    blocks: list[Block] = []
    if note:
        blocks.append(md(note))
    blocks.append(header(f"Facilitation in {lset.name}"))
    blocks.append(md(how_text(view)))
    lines = [
        f"• {session_when(x)}: {mention(x.facilitator(lset.facilitator_id) or '')}"
        for x in lset.upcoming[:LISTED]
    ]
    blocks.append(md("*Coming sessions*\n" + ("\n".join(lines) or "None planned.")))
    if private and view.lead:
        blocks.append(
            ActionsBlock(
                block_id="rota_actions",
                elements=[
                    ButtonElement(
                        text="Change the rota",
                        action_id=ActionId.ROTA_OPEN,
                        value=str(lset.id),
                        style="primary",
                    )
                ],
            )
        )
    elif private:
        blocks.append(context("The set's lead changes the rota."))
    blocks.append(
        context(
            "The lead keeps the facilitator's powers over every session. "
            f"`{COMMAND} sessions` lists the sessions."
        )
    )
    return Message(text=f"Facilitation in {escape(lset.name)}", blocks=render(blocks))


def rota_modal(view: RotaView) -> dict[str, Any]:
    """The lead's form: how facilitation works, the first sessions, turns, and the order."""
    rota = view.set.rota
    modes = [option(MODE_LABELS[m], m.value) for m in RotaMode]
    blocks: list[Block] = [
        InputBlock(
            block_id=MODE,
            label="Who facilitates",
            element=RadioButtonsElement(
                action_id=MODE_INPUT,
                options=modes,
                initial_option=modes[list(RotaMode).index(rota.mode)],
            ),
        ),
        number_field(
            COACH,
            COACH_INPUT,
            "Sessions the lead facilitates first",
            1,
            MAX_COACH_SESSIONS,
            rota.coach_sessions,
            hint="With “the lead for the first sessions”: often 2 or 3, then members take over.",
        ),
        number_field(
            TURNS,
            TURNS_INPUT,
            "Sessions each member facilitates in a row",
            1,
            MAX_TURNS,
            rota.turns,
        ),
        InputBlock(
            block_id=ORDER,
            label="Order of turns",
            optional=True,
            hint="First to last. Members left out take their turns after these, in the fair "
            "order: who joined last and who has just presented go later.",
            element=UserMultiSelectElement(
                action_id=ORDER_INPUT,
                initial_users=list(view.order) or None,
                placeholder="Choose members",
            ),
        ),
        context("Sessions someone handed over or stood in for keep their facilitator."),
    ]
    return modal(
        CallbackId.ROTA, "Facilitator rota", "Save", RotaMeta(set_id=view.set.id).dump(), blocks
    )


def _whole(view: dict[str, Any], block: str, action: str, high: int) -> int | None:
    raw = value(view, block, action).get("value")
    try:
        number = int(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= high else None


def parse_rota(view: dict[str, Any]) -> tuple[RotaSettings, dict[str, str]]:
    """The submitted form as settings, and its field errors (the service adds its own, so
    every error is shown in one round)."""
    errors: dict[str, str] = {}
    chosen = (value(view, MODE, MODE_INPUT).get("selected_option") or {}).get("value")
    if chosen not in {m.value for m in RotaMode}:
        errors[MODE] = "Choose who facilitates."
    coach = _whole(view, COACH, COACH_INPUT, MAX_COACH_SESSIONS)
    if coach is None:
        errors[COACH] = f"A whole number from 1 to {MAX_COACH_SESSIONS}."
    turns = _whole(view, TURNS, TURNS_INPUT, MAX_TURNS)
    if turns is None:
        errors[TURNS] = f"A whole number from 1 to {MAX_TURNS}."
    picked = value(view, ORDER, ORDER_INPUT).get("selected_users") or []
    settings = RotaSettings(
        mode=RotaMode(str(chosen)) if MODE not in errors else RotaMode.LEAD,
        coach_sessions=coach or 1,
        turns=turns or 1,
        order=tuple(u for u in picked if isinstance(u, str)),
    )
    return settings, errors


def your_turns(view: RotaView, user_id: str) -> Message:
    """To a member whose turns the lead's change moved: the sessions they facilitate now."""
    lset = view.set
    mine = [x for x in lset.upcoming if x.facilitator_id == user_id]
    name = f"*{escape(lset.name)}*"
    if mine:
        text = f"The facilitator rota of {name} changed: you facilitate on " + ", ".join(
            session_when(x) for x in mine[:LISTED]
        )
    else:
        text = f"The facilitator rota of {name} changed: you no longer facilitate a coming session"
    return Message(
        text=text + ".",
        blocks=render([md(text + "."), context(f"`{COMMAND} rota` shows the whole rota.")]),
    )
