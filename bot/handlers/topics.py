"""Topic preparation: ``/als topic``, the Home tab's "Prepare your topic", and the modal."""

from __future__ import annotations

from typing import Any

from bot.blocks.reminders import parse_topic_button
from bot.blocks.topics import (
    TopicMeta,
    parse_topic,
    topic_confirmation,
    topic_modal,
    topic_prompt_out_of_date,
)
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.ids import TopicField as F
from bot.services.views import TopicOutcome


def topic_command(r: Request, words: list[str]) -> None:
    r.open_modal(topic_modal(r.deps.topics.start(r.team_id, r.user_id, r.channel_id)))


def prepare(r: Request, claim: tuple[int, int | None]) -> None:
    """The Home tab's "Prepare your topic" button (the set), or a topic reminder's (the session
    it named: if that session's topics have closed, the person is told where topics go now)."""
    set_id, session_id = claim
    draft = r.deps.topics.start_for_set(r.team_id, r.user_id, set_id, session_id)
    if draft.asked_for is not None:
        r.tell(topic_prompt_out_of_date(draft))
        return
    r.open_modal(topic_modal(draft))


def save_topic(r: Request, meta: TopicMeta, view: dict[str, Any]) -> TopicOutcome:
    form, chosen_set = parse_topic(view)
    set_id = chosen_set if meta.several and chosen_set else meta.set_id
    session_id = None if meta.several else meta.session_id
    return r.deps.topics.save(r.team_id, r.user_id, set_id, session_id, form)


def topic_saved(r: Request, outcome: TopicOutcome) -> None:
    # The confirmation goes to the author alone, as a DM: never to the channel.
    r.out.dm(r.user_id, topic_confirmation(outcome))
    if outcome.vote is not None:  # a withdrawal changed the open vote
        r.out.vote(outcome.vote)
    r.out.homes(r.team_id, [r.user_id, outcome.set.facilitator_id])  # response counts


def register(kit: Kit) -> None:
    kit.subcommand(Sub.TOPIC)(topic_command)
    kit.button(
        ActionId.TOPIC_OPEN, parse=lambda action, _: parse_topic_button(action.get("value"))
    )(prepare)
    kit.submission(
        CallbackId.TOPIC,
        TopicMeta,
        save=save_topic,
        then=topic_saved,
        field=F.RESPONSE,
        damaged="This form is damaged. Close it and run /als topic again.",
    )
