"""The report's charts, as PNG images with alt text that carries the same figures (for screen
readers, and for anyone who cannot see the image). Drawn with matplotlib's object interface
(``Figure``, no pyplot: no global state, safe in a threaded server) on the Agg backend."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.domain import report as rp
from bot.domain.review import THRESHOLD
from bot.domain.text import count
from bot.services.views import ProgrammeReport, ProgrammeRow, SetReport

ALT_MAX = 1000  # Slack's limit for an image's alt text


@dataclass(frozen=True)
class Chart:
    filename: str
    title: str
    png: bytes
    alt: str


def _png(fig: object) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")  # type: ignore[attr-defined]
    return out.getvalue()


def _figure(height: float = 3.0) -> object:
    from matplotlib.figure import Figure  # imported when first drawn: it takes a moment

    return Figure(figsize=(6.4, height), dpi=100)


def _day(value: object) -> str:
    return value.strftime("%d %b") if isinstance(value, date) else str(value)


def sessions_chart(report: SetReport) -> Chart | None:
    """Attendance (bars, %) and usefulness (line, 1-5) over the held sessions."""
    if not report.sessions:
        return None
    days = [_day(d) for d, _, _ in report.sessions]
    fig = _figure()
    ax = fig.subplots()  # type: ignore[attr-defined]
    ax.bar(days, [a or 0 for _, a, _ in report.sessions], color="#7aa6c2", label="Attendance %")
    ax.set_ylim(0, 100)
    ax.set_ylabel("Attendance %")
    useful = ax.twinx()
    useful.plot(
        days,
        [u if u is not None else float("nan") for _, _, u in report.sessions],
        color="#2b6a3e",
        marker="o",
        label="Usefulness",
    )
    useful.set_ylim(1, 5)
    useful.set_ylabel("Usefulness (1-5)")
    ax.set_title(f"{report.set_name}: attendance and usefulness")
    parts = []
    for day, attendance, score in report.sessions:
        a = "attendance not recorded" if attendance is None else f"attendance {attendance}%"
        u = (
            f"usefulness {score:.1f} of 5"
            if score is not None
            else (f"usefulness shown from {THRESHOLD} answers")
        )
        parts.append(f"{_day(day)}: {a}, {u}")
    alt = "Attendance and usefulness by session. " + "; ".join(parts) + "."
    return Chart("attendance-usefulness.png", "Attendance and usefulness", _png(fig), alt[:ALT_MAX])


def actions_chart(report: SetReport) -> Chart | None:
    """The set's actions by where they stand."""
    shown = [(k, int(report.actions[k].value)) for k in rp.STANDINGS if k in report.actions]
    if not shown:
        return None
    fig = _figure()
    ax = fig.subplots()  # type: ignore[attr-defined]
    ax.bar([rp.STANDING_LABELS[k] for k, _ in shown], [n for _, n in shown], color="#c29a5b")
    ax.set_ylabel("Actions")
    ax.set_title(f"{report.set_name}: actions by status")
    alt = (
        f"Actions by status: {int(report.committed.value)} committed; "
        + ", ".join(f"{n} {rp.STANDING_LABELS[k]}" for k, n in shown)
        + "."
    )
    return Chart("actions.png", "Actions by status", _png(fig), alt[:ALT_MAX])


def airtime_chart(report: SetReport, names: Mapping[str, str]) -> Chart | None:
    """Topics presented per member of the set (their own members only), with the minutes."""
    if not report.airtime:
        return None
    rows = sorted(report.airtime, key=lambda a: (-a[1], -a[2], names.get(a[0], a[0])))
    labels = [names.get(u, u) for u, _, _ in rows]
    fig = _figure(0.6 + 0.4 * len(rows))
    ax = fig.subplots()  # type: ignore[attr-defined]
    ax.barh(labels, [t for _, t, _ in rows], color="#8c6bb1")
    ax.invert_yaxis()
    ax.set_xlabel("Topics presented")
    ax.set_title(f"{report.set_name}: airtime")
    alt = (
        "Airtime per member: "
        + "; ".join(f"{names.get(u, u)} {count(t, 'topic')}, {m} min" for u, t, m in rows)
        + "."
    )
    return Chart("airtime.png", "Airtime per member", _png(fig), alt[:ALT_MAX])


def report_charts(report: SetReport, names: Mapping[str, str]) -> list[Chart]:
    charts = (sessions_chart(report), actions_chart(report), airtime_chart(report, names))
    return [c for c in charts if c is not None]


#: The programme chart draws this many sets at most (as the report's message lists).
PROGRAMME_SHOWN = 40


def programme_charts(report: ProgrammeReport) -> list[Chart]:
    """The programme report's chart: attendance per set (the first ``PROGRAMME_SHOWN``). A
    figure from 1-2 people is not drawn, and the alt text says "fewer than 3" for it, as the
    report does."""
    if not report.rows:
        return []
    rows = report.rows[:PROGRAMME_SHOWN]
    names = [r.name for r in rows]
    fig = _figure(0.8 + 0.3 * len(names))
    ax = fig.subplots()  # type: ignore[attr-defined]

    def drawn(row: ProgrammeRow) -> float:
        cell = row.cells["attendance"]
        if "attendance" in row.hidden or cell.ratio is None:
            return 0.0
        return cell.ratio * 100

    ax.barh(names, [drawn(r) for r in rows], color="#7aa6c2")
    ax.set_xlim(0, 100)
    ax.set_xlabel("Attendance % (a figure from fewer than 3 people is not drawn)")
    ax.invert_yaxis()
    ax.set_title("Programme: attendance per set")

    def said(row: ProgrammeRow, key: str) -> str:
        return rp.cell_text(key, row.cells[key], key in row.hidden)

    parts = [
        f"{r.name}: attendance {said(r, 'attendance')}, usefulness {said(r, 'useful')}"
        for r in rows
    ]
    more = len(report.rows) - len(rows)
    alt = (
        "Attendance and usefulness per set. "
        + "; ".join(parts)
        + (f"; and {more} more sets (in the CSV)." if more else ".")
    )
    if len(alt) > ALT_MAX:
        alt = alt[: ALT_MAX - 30].rsplit(";", 1)[0] + "; the rest in the CSV."
    return [Chart("programme.png", "Programme: attendance per set", _png(fig), alt)]
