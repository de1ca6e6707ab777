"""The programme report for organisers (a row per set, and the total: counts and ratings, no
figure from fewer than 3 people) and the organisers' form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    UserMultiSelectElement,
)

from bot.blocks.common import Message, clip, context, header, md, render
from bot.blocks.forms import modal, value
from bot.blocks.meta import Meta
from bot.blocks.text import escape, mentions
from bot.domain import report as rp
from bot.ids import COMMAND, ActionId, CallbackId
from bot.services.views import ProgrammeReport, ProgrammeRow
from bot.services.views.report import COLUMNS

ORGANISERS, ORGANISERS_INPUT = "organisers", "organisers_input"


@dataclass(frozen=True)
class OrganisersMeta(Meta):
    """The organisers' form names nothing: the workspace is the request's."""


LABELS = dict(COLUMNS)


def cell_text(row: ProgrammeRow, key: str) -> str:
    """One figure as shown: "fewer than 3" when it comes from fewer than 3 people."""
    return rp.cell_text(key, row.cells[key], key in row.hidden)


def row_text(row: ProgrammeRow) -> str:
    title = f"*{escape(row.name)}*" + (f" ({escape(row.group)})" if row.group else "")
    figures = " · ".join(f"{LABELS[k]}: {cell_text(row, k)}" for k, _ in COLUMNS)
    return clip(f"{title}\n{figures}", 3000)


def programme_message(report: ProgrammeReport) -> Message:
    scope = f"the group “{escape(report.group)}”" if report.group else "every set"
    blocks: list[Block] = [
        header("Programme report"),
        context(
            f"{scope.capitalize()}: {len(report.rows)} set(s). Counts and ratings only; a figure "
            f"from fewer than {rp.THRESHOLD} people says “{rp.SUPPRESSED}”, and so does a total "
            "that would reveal one."
        ),
    ]
    blocks.extend(md(row_text(r)) for r in report.rows[:40])
    if len(report.rows) > 40:
        blocks.append(context(f"…and {len(report.rows) - 40} more sets (in the CSV)."))
    if report.total is not None:
        blocks.append(md(row_text(report.total)))
        blocks.append(
            ActionsBlock(
                block_id="programme_actions",
                elements=[
                    ButtonElement(
                        text="Send me the chart",
                        action_id=ActionId.PROGRAMME_CHART,
                        value=report.group or "*",  # "*": every set
                    )
                ],
            )
        )
    if report.groups and not report.group:
        blocks.append(
            context(
                "Groups: "
                + ", ".join(escape(g) for g in report.groups)
                + f". `{COMMAND} report programme <group>` shows one."
            )
        )
    return Message(text="Programme report", blocks=render(blocks))


def organisers_message(organisers: list[str], may_change: bool) -> Message:
    who = mentions(organisers) if organisers else "nobody yet (workspace admins always are)"
    text = f"*Organisers* (they see the programme report: counts only): {who}."
    if not may_change:
        text += " The lead of a set names them."
    return Message(text="Organisers", blocks=render([md(clip(text, 3000))]))


def organisers_modal(organisers: list[str]) -> dict[str, Any]:
    blocks: list[Block] = [
        md(
            "Organisers see the programme report of every set in this workspace: counts and "
            f"ratings, never what anyone wrote, and no figure from fewer than {rp.THRESHOLD} "
            "people. Workspace admins always do."
        ),
        InputBlock(
            block_id=ORGANISERS,
            label="Organisers",
            optional=True,
            element=UserMultiSelectElement(
                action_id=ORGANISERS_INPUT, initial_users=organisers or None, max_selected_items=50
            ),
        ),
    ]
    return modal(CallbackId.ORGANISERS, "Organisers", "Save", OrganisersMeta().dump(), blocks)


def parse_organisers(view: dict[str, Any]) -> list[str]:
    raw = value(view, ORGANISERS, ORGANISERS_INPUT).get("selected_users") or []
    return [u for u in raw if isinstance(u, str)]
