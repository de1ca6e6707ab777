"""Export files: a member's own data as JSON and as CSV, a set's shared actions and the
programme per session as CSV. CSV files are UTF-8 with a byte-order mark (so spreadsheets read
accents right), and a cell that could start a formula in a spreadsheet is quoted with a leading
apostrophe (CSV injection)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time

from bot.domain import report as rp
from bot.services.views import MyExport, SessionRow, SharedActions

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
#: The member export's format version (bumped when a field changes meaning or goes).
MY_EXPORT_VERSION = 1


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_safe(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def my_export_files(mine: MyExport) -> list[tuple[str, bytes, str, str]]:
    """The files of a member's export, each (file name, content, title, comment): the same
    records as JSON and as CSV."""
    return [
        (
            "my-action-learning.json",
            my_export_json(mine),
            "Your data (JSON)",
            "Every record about you in this workspace's sets, and nothing of anyone else's.",
        ),
        (
            "my-action-learning.csv",
            my_export_csv(mine),
            "Your data (CSV)",
            "The same records as a table: one row per field (section, item, field, value).",
        ),
    ]


def _plain(value: object) -> object:
    """A JSON value: times in ISO-8601 UTC (``Z``), dates and clock times in ISO-8601."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def my_export_json(mine: MyExport) -> bytes:
    """One object: the format, its version, when, whose and which workspace's, then one list
    of records per section (every section present, empty or not)."""
    document: dict[str, object] = {
        "format": "als-bot member export",
        "version": MY_EXPORT_VERSION,
        "generated_at": _plain(mine.generated_at),
        "workspace_id": mine.team_id,
        "user_id": mine.user_id,
    }
    for name, records in mine.sections:
        document[name] = [{k: _plain(v) for k, v in r.items()} for r in records]
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def my_export_csv(mine: MyExport) -> bytes:
    """The JSON's records as one table, one row per field: section, item (its number in the
    section), field, value (empty for none; yes/no for flags)."""

    def cell(value: object) -> object:
        plain = _plain(value)
        return ("yes" if plain else "no") if isinstance(plain, bool) else plain

    rows = [
        [name, item, field, cell(value)]
        for name, records in mine.sections
        for item, record in enumerate(records, start=1)
        for field, value in record.items()
    ]
    return _csv(["section", "item", "field", "value"], rows)


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
