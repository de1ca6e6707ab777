"""The private learning log: ``/als log`` (and ``list``), and the reflection prompt's "Write in
your learning log"."""

from __future__ import annotations

from typing import Any

from bot.blocks.help import usage
from bot.blocks.learning import LogMeta, log_confirmation, log_list, log_modal, parse_log
from bot.blocks.reminders import parse_log_button
from bot.handlers.kit import Kit, Request
from bot.ids import ActionField as F
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import LogSaved


def write(r: Request, words: list[str]) -> None:
    r.open_modal(log_modal(r.deps.learning.start(r.team_id, r.user_id, r.channel_id)))


def entries(r: Request, words: list[str]) -> None:
    r.answer(log_list(r.deps.learning.entries(r.team_id, r.user_id)))


def log_usage(r: Request, words: list[str]) -> None:
    r.answer(usage(Sub.LOG))


def write_about(r: Request, ids: tuple[int, int]) -> None:
    """The reflection prompt's button claims a set and a session; the service checks both and
    the clicker's membership."""
    set_id, session_id = ids
    r.open_modal(
        log_modal(r.deps.learning.start_for_session(r.team_id, r.user_id, set_id, session_id))
    )


def save_entry(r: Request, meta: LogMeta, view: dict[str, Any]) -> LogSaved:
    return r.deps.learning.save(r.team_id, r.user_id, meta.set_id, meta.session_id, parse_log(view))


def saved(r: Request, outcome: LogSaved) -> None:
    r.out.dm(r.user_id, log_confirmation(outcome.entry))
    if outcome.facilitator_id != r.user_id:
        r.out.homes(r.team_id, [outcome.facilitator_id])  # how many wrote


def register(kit: Kit) -> None:
    kit.subcommand(Sub.LOG)(write)
    kit.subcommand(Sub.LOG, "list")(entries)
    kit.subcommand(Sub.LOG, "*")(log_usage)
    kit.button(ActionId.LOG_OPEN, parse=lambda action, _: parse_log_button(action.get("value")))(
        write_about
    )
    kit.submission(CallbackId.LOG, LogMeta, save=save_entry, then=saved, field=F.ABOUT_ISSUE)
