"""``/als report`` and the Home button: the set's report, privately."""

from __future__ import annotations

from bot.blocks.report import report_message
from bot.charts import report_charts
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, Sub


def report(r: Request, words: list[str]) -> None:
    r.answer(report_message(r.deps.report.for_command(r.team_id, r.user_id, r.channel_id)))


def report_clicked(r: Request, set_id: int) -> None:
    r.tell(report_message(r.deps.report.of_set(r.team_id, r.user_id, set_id)))


def charts_clicked(r: Request, set_id: int) -> None:
    """The report's charts, as images in the member's DM (alt text with the same figures)."""
    report = r.deps.report.of_set(r.team_id, r.user_id, set_id)
    names = {}
    for user, _, _ in report.airtime:
        facts = r.directory.user(user)
        names[user] = facts.name if facts else "a former member"
    charts = report_charts(report, names)
    for chart in charts:
        r.out.upload(r.user_id, chart.filename, chart.png, chart.title, "", alt=chart.alt)
    r.tell("The charts are in your DM with me." if charts else "No charts yet: nothing to draw.")


def register(kit: Kit) -> None:
    kit.subcommand(Sub.REPORT)(report)
    kit.button(ActionId.REPORT_OPEN)(report_clicked)
    kit.button(ActionId.REPORT_CHARTS)(charts_clicked)
