"""CSV files (UTF-8 with a byte-order mark, so spreadsheets read accents right): a member's own
export, a set's shared actions, the programme per session. A cell that could start a formula
in a spreadsheet is quoted with a leading apostrophe (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain import report as rp
from bot.services.views import MyExport, SessionRow, SharedActions

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_safe(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def my_export_csv(mine: MyExport) -> bytes:
    """One table: what (action, report, goal, log), set, day, and the fields of each."""
    rows: list[list[object]] = []
    for set_name, day, text, target, status, shared in mine.actions:
        rows.append(
            ["action", set_name, day, text, status, target, "shared" if shared else "private", ""]
        )
    for set_name, day, text, status, happened, learned in mine.reports:
        rows.append(["report", set_name, day, text, status, "", happened, learned])
    for set_name, written, goal, rating, note in mine.goals:
        day = written.date() if isinstance(written, datetime) else written
        rows.append(["goal", set_name, day, goal, rating or "", "", note or "", ""])
    for set_name, day, about_issue, about_set in mine.logs:
        rows.append(["log", set_name, day, about_issue, "", "", about_set, ""])
    header = ["what", "set", "day", "text", "status or rating", "target", "more", "learned"]
    return _csv(header, rows)


def shared_actions_csv(shared: SharedActions) -> bytes:
    rows: list[list[object]] = [
        [day, owner, text, target or "", status]
        for day, owner, text, target, status in shared.actions
    ]
    rows.extend(
        ["", owner, f"{n} private action(s)", "", ""] for owner, n in sorted(shared.private.items())
    )
    return _csv(["session", "member", "action", "target", "status"], rows)


def programme_csv(rows: Sequence[SessionRow]) -> bytes:
    """A row per set and session; hidden cells say "fewer than 3"."""

    def line(r: SessionRow) -> list[object]:
        figures = [rp.cell_text(k, r.cells[k], not r.cells[k].shown) for k in CSV_CELLS]
        return [r.set_name, r.group or "", r.day, "yes" if r.held else "planned", *figures]

    return _csv(
        ["set", "group", "session", "held", "attendance", "topics presented", "usefulness (1-5)"],
        [line(r) for r in rows],
    )


CSV_CELLS = ("attendance", "topics", "useful")
