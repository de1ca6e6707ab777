"""``/als report programme [group]`` (organisers), ``/als organisers`` (the list, and the form for
a set's lead or an admin), ``/als organisers group <name>`` (the lead: the set's group)."""

from __future__ import annotations

from typing import Any

from bot.blocks.exports import programme_csv
from bot.blocks.programme import (
    ORGANISERS,
    OrganisersMeta,
    organisers_message,
    organisers_modal,
    parse_organisers,
    programme_message,
)
from bot.charts import programme_charts
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub


def is_admin(r: Request) -> bool:
    """Slack says who is a workspace admin or owner (the payload's claims do not)."""
    facts = r.directory.user(r.user_id)
    return bool(facts and facts.is_admin)


def programme(r: Request, words: list[str]) -> None:
    group = " ".join(words[2:]) or None
    report = r.deps.programme.report(r.team_id, r.user_id, admin=is_admin(r), group=group)
    r.answer(programme_message(report))


def programme_or_file(r: Request, words: list[str]) -> None:
    """``report programme [group]``, or ``report programme csv [group]`` (the file)."""
    if words[2:3] == ["csv"]:
        programme_file(r, words)
    else:
        programme(r, words)


def programme_file(r: Request, words: list[str]) -> None:
    group = " ".join(words[3:]) or None
    rows = r.deps.programme.sessions(r.team_id, r.user_id, admin=is_admin(r), group=group)
    r.out.upload(
        r.user_id,
        "programme-report.csv",
        programme_csv(rows),
        "Programme report, per session",
        "A row per set and session: counts only, none from fewer than 3 people.",
    )
    r.answer("The programme report is in your DM with me, as a CSV file.")


def organisers(r: Request, words: list[str]) -> None:
    if words[1:2] == ["group"]:
        label = r.deps.programme.set_group(r.team_id, r.user_id, r.channel_id, " ".join(words[2:]))
        r.answer(
            f"This set is now in the group “{label}”." if label else "This set is in no group now."
        )
        return
    people, may_change = r.deps.programme.organisers(r.team_id, r.user_id, admin=is_admin(r))
    if may_change:
        r.open_modal(organisers_modal(people))
    else:
        r.answer(organisers_message(people, may_change))


def save(r: Request, meta: OrganisersMeta, view: dict[str, Any]) -> list[str]:
    wanted = parse_organisers(view)
    return r.deps.programme.set_organisers(r.team_id, r.user_id, wanted, admin=is_admin(r))


def saved(r: Request, people: list[str]) -> None:
    r.out.dm(r.user_id, organisers_message(people, True))


def chart_clicked(r: Request, group: str) -> None:
    """The programme's chart in the organiser's DM (the organiser is checked again)."""
    wanted = None if group == "*" else group
    report = r.deps.programme.report(r.team_id, r.user_id, admin=is_admin(r), group=wanted)
    for chart in programme_charts(report):
        r.out.upload(r.user_id, chart.filename, chart.png, chart.title, "", alt=chart.alt)
    r.tell("The chart is in your DM with me.")


def group_claim(action: dict[str, Any], body: dict[str, Any]) -> str | None:
    raw = action.get("value")
    return raw if isinstance(raw, str) and len(raw) <= 40 else None


def register(kit: Kit) -> None:
    kit.subcommand(Sub.REPORT, "programme")(programme_or_file)
    kit.subcommand(Sub.ORGANISERS)(organisers)
    kit.button(ActionId.PROGRAMME_CHART, parse=group_claim)(chart_clicked)
    kit.submission(CallbackId.ORGANISERS, OrganisersMeta, save=save, then=saved, field=ORGANISERS)
