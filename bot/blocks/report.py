"""The set's report, privately: sessions, attendance, airtime, actions, the review trend, the
learning log and the goals, as counts (nothing a member wrote)."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.blocks.common import Message, clip, context, header, md, render
from bot.blocks.text import date_token, escape, mention
from bot.domain import report as rp
from bot.domain.review import THRESHOLD
from bot.domain.text import count
from bot.ids import ActionId
from bot.services.views import SetReport

NOTHING_WRITTEN = (
    "Counts and ratings only: nothing anyone wrote. A review's average and the goal ratings "
    f"show from {THRESHOLD} answers. Only you see this."
)


def _attendance(report: SetReport) -> str:
    rate = rp.percent(report.present, report.marks)
    if rate is None:
        return "*Attendance*: not recorded yet (the facilitator saves who came after a session)."
    return (
        f"*Attendance*: {rate}% ({report.present} of {report.marks} places, "
        f"{count(report.recorded, 'session')} recorded)"
    )


def _airtime(report: SetReport) -> str:
    if not report.airtime:
        return "*Topics presented*: none yet."
    lines = [
        f"{mention(user)}: {count(topics, 'topic')}, {minutes} min"
        for user, topics, minutes in sorted(report.airtime, key=lambda a: (-a[1], -a[2], a[0]))
    ]
    return "*Topics presented* (airtime)\n" + "\n".join(lines)


def _actions(report: SetReport) -> str:
    if not report.committed.value:
        return "*Actions*: none committed yet."
    parts = [
        f"{report.actions[k].value} {rp.STANDING_LABELS[k]}"
        for k in rp.STANDINGS
        if k in report.actions and report.actions[k].value
    ]
    return f"*Actions*: {report.committed.value} committed: " + ", ".join(parts) + "."


def _reviews(report: SetReport) -> str:
    if not report.reviews:
        return "*How useful the sessions were*: no answers yet."
    lines = []
    for score in report.reviews[-6:]:
        when = date_token(score.starts_at, "{date_short}", f"{score.starts_at:%d %b %Y}")
        shown = (
            f"{score.average:.1f} of 5 from {score.answers}"
            if score.average is not None
            else f"{count(score.answers, 'answer')} (shown from {THRESHOLD})"
        )
        lines.append(f"{when}: {shown}")
    return "*How useful the sessions were*\n" + "\n".join(lines)


def _goals(report: SetReport) -> str:
    text = f"*Goals*: {count(report.goals_written, 'member')} wrote one"
    if report.goal_ratings:
        ratings = ", ".join(
            f"{n} rated {r}" for r, n in sorted(report.goal_ratings.items(), reverse=True)
        )
        return f"{text}; progress: {ratings}."
    if report.goal_answers:
        return f"{text}; {count(report.goal_answers, 'rating')} so far (shown from {THRESHOLD})."
    return f"{text}."


def report_message(report: SetReport) -> Message:
    blocks: list[Block] = [
        header(clip(f"Report: {report.set_name}", 150)),
        md(f"*Sessions*: {report.held} held, {report.planned} planned.\n" + _attendance(report)),
        md(clip(_airtime(report), 3000)),
        md(_actions(report)),
        md(clip(_reviews(report), 3000)),
        md(
            f"*Learning log*: {count(int(report.logs.value), 'entry', 'entries')}"
            f" from {count(report.logs.people, 'member')}.\n" + _goals(report)
        ),
        ActionsBlock(
            block_id=f"report_{report.set_id}",
            elements=[
                ButtonElement(
                    text="Send me the charts",
                    action_id=ActionId.REPORT_CHARTS,
                    value=str(report.set_id),
                )
            ],
        ),
        context(NOTHING_WRITTEN),
    ]
    return Message(text=f"Report of {escape(report.set_name)}", blocks=render(blocks))
