"""Chart rendering: the set report's three charts (``bot.charts``), drawn again and again from a
full year's report (26 held sessions, 7 members, actions of every status), and the programme
report's chart for 1,000 sets (the first 40 drawn, the rest said in the alt text), against a
reference
measured in the same run: encoding an empty figure of the same size (matplotlib's fixed cost).

    .venv/bin/python bench/charts.py [--rounds 20]

Reported: the median and the slowest time per chart over the rounds (the first draw, which
imports matplotlib, is reported apart). The aim (issue 19): at most 1 s per chart.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

from bot.charts import (
    _figure,
    _png,
    actions_chart,
    airtime_chart,
    programme_charts,
    sessions_chart,
)
from bot.domain.report import Cell, Figure
from bot.services.views import ProgrammeReport, ProgrammeRow, SetReport

MEMBERS = [f"U0MEMBER{i:02d}" for i in range(1, 8)]


def year_report() -> SetReport:
    first = date(2026, 1, 5)
    return SetReport(
        set_id=1,
        set_name="Leaders' set",
        timezone="Europe/London",
        held=26,
        planned=4,
        airtime=tuple((u, 3 + i % 3, 150 + 10 * i) for i, u in enumerate(MEMBERS)),
        actions={
            k: Figure(n, 4)
            for k, n in (("done", 31), ("partly", 9), ("not_yet", 4), ("open", 6), ("dropped", 2))
        },
        committed=Figure(52, 7),
        sessions=tuple(
            (first + timedelta(weeks=2 * i), 70 + i % 4 * 8, 3.0 + (i % 5) * 0.4) for i in range(26)
        ),
    )


def programme_report(sets: int) -> ProgrammeReport:
    rows = tuple(
        ProgrammeRow(
            f"Set {i:04d}",
            None,
            {
                "attendance": Cell(50 + i % 40, 8, of=96),
                "useful": Cell(3.5 * (6 + i % 3), 6 + i % 3, of=6 + i % 3),
            },
        )
        for i in range(sets)
    )
    return ProgrammeReport(None, rows, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    report = year_report()
    names = {u: f"Member {u[-2:]}" for u in MEMBERS}
    programme = programme_report(1000)
    draws = {
        "programme, 1,000 sets (40 drawn)": lambda: programme_charts(programme),
        "attendance and usefulness": lambda: sessions_chart(report),
        "actions by status": lambda: actions_chart(report),
        "airtime per member": lambda: airtime_chart(report, names),
        "reference: an empty figure": lambda: _png(_figure()),
    }
    start = time.perf_counter()
    sessions_chart(report)
    print(f"first draw (imports matplotlib): {time.perf_counter() - start:.3f} s")
    for name, draw in draws.items():
        times = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            draw()
            times.append(time.perf_counter() - t0)
        print(
            f"{name:30} median {statistics.median(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
