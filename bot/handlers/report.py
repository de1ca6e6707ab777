"""``/als report`` and the Home button: the set's report, privately."""

from __future__ import annotations

from bot.blocks.report import report_message
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, Sub


def report(r: Request, words: list[str]) -> None:
    r.answer(report_message(r.deps.report.for_command(r.team_id, r.user_id, r.channel_id)))


def report_clicked(r: Request, set_id: int) -> None:
    r.tell(report_message(r.deps.report.of_set(r.team_id, r.user_id, set_id)))


def register(kit: Kit) -> None:
    kit.subcommand(Sub.REPORT)(report)
    kit.button(ActionId.REPORT_OPEN)(report_clicked)
