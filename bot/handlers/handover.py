"""Hand-overs and stand-ins: *Hand over…* under a session in ``/als sessions``, the form, and
the answers (Accept / Decline in a DM, *I'll stand in* in the channel)."""

from __future__ import annotations

from typing import Any

from bot.blocks.handover import (
    MEMBER,
    HandoverMeta,
    handover_asked,
    handover_declined,
    handover_done,
    handover_modal,
    handover_request,
    parse_handover,
    standin_call,
    you_declined,
)
from bot.domain.rota import Ask
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId
from bot.services.views import Handover


def open_form(r: Request, session_id: int) -> None:
    r.open_modal(handover_modal(r.deps.handover.start(r.team_id, r.user_id, session_id)))


def save(r: Request, meta: HandoverMeta, view: dict[str, Any]) -> Handover:
    ask, member = parse_handover(view)
    return r.deps.handover.ask(r.team_id, r.user_id, meta.session_id, ask, member)


def asked(r: Request, h: Handover) -> None:
    """After the form: the member asked gets the request, or the channel the stand-in call;
    a direct assignment is done at once."""
    if h.ask == Ask.ASSIGN:
        taken(r, h)
        return
    if h.ask == Ask.STANDIN:
        r.out.post(h.set.channel_id, standin_call(h))
    elif h.asked_of:
        r.out.dm(h.asked_of, handover_request(h))
    r.out.dm(r.user_id, handover_asked(h))


def taken(r: Request, h: Handover) -> None:
    """The channel and the people concerned are told; their Home tabs show it."""
    r.out.post(h.set.channel_id, handover_done(h))
    for person in {h.asked_by, h.taken_by, h.previous} - {r.user_id, None}:
        r.out.dm(str(person), handover_done(h))
    r.out.homes(r.team_id, [h.asked_by, h.taken_by, h.previous, h.set.facilitator_id])


def accept(r: Request, request_id: int) -> None:
    h = r.deps.handover.decide(r.team_id, r.user_id, request_id, accept=True)
    if r.can_replace():
        r.replace(handover_done(h))
    taken(r, h)


def decline(r: Request, request_id: int) -> None:
    h = r.deps.handover.decide(r.team_id, r.user_id, request_id, accept=False)
    if r.can_replace():
        r.replace(you_declined(h))
    r.out.dm(h.asked_by, handover_declined(h))


def register(kit: Kit) -> None:
    kit.button(ActionId.HANDOVER_OPEN)(open_form)
    kit.submission(CallbackId.HANDOVER, HandoverMeta, save=save, then=asked, field=MEMBER)
    kit.button(ActionId.HANDOVER_ACCEPT)(accept)
    kit.button(ActionId.HANDOVER_DECLINE)(decline)
    kit.button(ActionId.STANDIN_ACCEPT)(accept)
