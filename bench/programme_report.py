"""The programme report for organisers at scale: 1,000 sets x 12 sessions x 7 members.

One workspace holds ``--sets`` (default 1000) active sets, each with 7 members and a lead, and
``--sessions`` (default 12) sessions per set: two thirds held (before the measured instant),
the rest planned. Per held session: a confirmed agenda vote with 3 agenda items (and their
topics), attendance marks for the 8 people, 6 reviews (1-5), a learning-log entry from 4
members, and per presenter a commitment of 2 actions, reported back on at the next held
session (done, partly, not yet, changed; some partly ones done at the one after; some never
reported, some dropped). Each member has a goal, most of them rated; the first planned
session has an open vote. All of it is inserted with Core bulk inserts (executemany in
chunks), then ``ANALYZE``.

Timed, end to end as the handler runs them (charts excluded): "figures",
``ProgrammeService.report(team, admin=True, group=None)`` and ``programme_message(report)``;
"CSV", ``ProgrammeService.sessions(...)`` and ``programme_csv(rows)``. Side by side in the
same rounds, the references: the same two for a second workspace of ``--reference-sets``
(default 10) sets in the same database, and a ``SELECT 1`` through the same ``Database``
(a read session's round trip). One untimed warm-up, then ``--rounds`` interleaved rounds;
reported: median and max per measure, and whether the aim holds (issue 19: figures and CSV
each within 2 s on PostgreSQL, 5 s on SQLite; their sum is printed too). Then, per query of
``bot.storage.report_queries`` / ``export_queries``, its median time over the rounds, and
with ``--explain`` the plan of every statement the two calls run (EXPLAIN ANALYZE on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite).

    .venv/bin/python bench/programme_report.py [--db sqlite|postgresql|both] [--sets 1000]
        [--sessions 12] [--rounds 5] [--reference-sets 10] [--explain]

SQLite: a temporary file, migrated with ``bot.storage.migrate.upgrade``. PostgreSQL: a
throwaway database on ``ALS_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrated likewise, dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from common import PG_ADMIN_DEFAULT, throwaway_postgres
from sqlalchemy import event, insert, select, text

from bot.blocks.exports import programme_csv
from bot.blocks.programme import programme_message
from bot.clock import ManualClock
from bot.domain.status import SetStatus
from bot.services.programme import ProgrammeService
from bot.storage import export_queries as xq
from bot.storage import report_queries as rq
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import (
    Action,
    ActionReport,
    AgendaItem,
    AgendaVote,
    Commitment,
    LearningSet,
    LogEntry,
    MemberGoal,
    Membership,
    PlannedSession,
    SessionAttendance,
    SessionReview,
    Topic,
    Workspace,
)

NOW = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)  # the measured instant
TEAM, SMALL_TEAM = "T0PROGBIG", "T0PROGREF"
ADMIN = "U0ADMIN"
MEMBERS = 7  # plus the lead
PRESENTERS = 3  # agenda items per held session
ACTIONS = 2  # per presenter (commitment)
REVIEWS = 6  # per held session
LOGS = 4  # log entries per held session
CADENCE = timedelta(days=14)
MINUTES = 180
CHUNK = 10_000  # rows per executemany
AIMS = {"postgresql": 2.0, "sqlite": 5.0}  # seconds, each of figures and CSV
TABLES = (
    "learning_sets",
    "memberships",
    "sessions",
    "topics",
    "agenda_votes",
    "agenda_items",
    "session_attendance",
    "session_reviews",
    "commitments",
    "actions",
    "action_reports",
    "log_entries",
    "member_goals",
)


# ------------------------------------------------------------------------ data
@dataclass(frozen=True)
class Shape:
    sets: int  # in the measured workspace
    reference: int  # in the reference workspace
    sessions: int  # per set

    @property
    def total(self) -> int:
        return self.sets + self.reference

    @property
    def held(self) -> int:
        return round(self.sessions * 2 / 3)

    def team(self, i: int) -> str:
        return TEAM if i <= self.sets else SMALL_TEAM

    def session_id(self, i: int, k: int) -> int:
        return (i - 1) * self.sessions + k + 1

    def starts(self, k: int) -> datetime:
        """Session ``k`` (0-based) of every set: the held ones before NOW, the first planned
        one a day after it."""
        return NOW + timedelta(days=1) - (self.held - k) * CADENCE


def user(i: int, p: int) -> str:
    """Person ``p`` of set ``i``: 0 is the lead, 1..7 the members."""
    return f"U{i:07d}{p}"


def bulk(conn: Any, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    while batch := list(itertools.islice(rows, CHUNK)):
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def populate(db: Database, shape: Shape) -> dict[str, int]:
    created = NOW - timedelta(days=200)
    sets = range(1, shape.total + 1)
    people = range(MEMBERS + 1)
    members = range(1, MEMBERS + 1)
    held = [(i, k) for i in sets for k in range(shape.held)]  # index: the held session's

    def presenter(k: int, j: int) -> int:
        return 1 + (PRESENTERS * k + j) % MEMBERS

    def learning_sets() -> Iterator[dict[str, Any]]:
        for i in sets:
            yield {
                "id": i,
                "team_id": shape.team(i),
                "channel_id": f"C{i:09d}",
                "name": f"Set {i:05d}",
                "timezone": "Europe/London",
                "anchor_date": shape.starts(0).date(),
                "session_time": dtime(12, 0),
                "cadence_weeks": 2,
                "session_minutes": MINUTES,
                "facilitator_participates": False,
                "settings": {"group": f"Cohort {i % 4 + 1}"} if i % 5 else {},
                "ground_rules": "Be kind.",
                "rules_version": 1,
                "status": SetStatus.ACTIVE.value,
                "created_by": user(i, 0),
                "created_at": created,
                "updated_at": created,
                "planned_until": shape.starts(shape.sessions - 1),
                "replan_at": shape.starts(shape.held) + timedelta(minutes=MINUTES),
                "programme_sessions": shape.sessions,
            }

    def sessions() -> Iterator[dict[str, Any]]:
        for i in sets:
            for k in range(shape.sessions):
                starts = shape.starts(k)
                yield {
                    "id": shape.session_id(i, k),
                    "team_id": shape.team(i),
                    "set_id": i,
                    "local_date": starts.date(),
                    "local_time": dtime(12, 0),
                    "timezone": "Europe/London",
                    "starts_at": starts,
                    "duration_minutes": MINUTES,
                    "status": "planned",
                    "series_date": starts.date(),
                    "revision": 1,
                    "created_at": created,
                    "facilitator_fixed": False,
                }

    def votes() -> Iterator[dict[str, Any]]:
        for h, (i, k) in enumerate(held):
            starts = shape.starts(k)
            yield {
                "id": h + 1,
                "team_id": shape.team(i),
                "set_id": i,
                "session_id": shape.session_id(i, k),
                "status": "confirmed",
                "channel_id": f"C{i:09d}",
                "message_ts": f"1900000000.{h:06d}",
                "rules": {},
                "rules_fixed": True,
                "without_vote": False,
                "opened_by": user(i, 0),
                "opened_at": starts - timedelta(days=7),
                "closed_at": starts - timedelta(days=1),
                "ends_at": starts + timedelta(minutes=MINUTES),
                "confirmed_at": starts - timedelta(hours=20),
            }
        if shape.held < shape.sessions:  # the next session's vote is open
            for i in sets:
                starts = shape.starts(shape.held)
                yield {
                    "id": len(held) + i,
                    "team_id": shape.team(i),
                    "set_id": i,
                    "session_id": shape.session_id(i, shape.held),
                    "status": "open",
                    "channel_id": f"C{i:09d}",
                    "message_ts": f"1900000001.{i:06d}",
                    "rules": {},
                    "rules_fixed": False,
                    "without_vote": False,
                    "opened_by": user(i, 0),
                    "opened_at": NOW - timedelta(days=1),
                    "closed_at": None,
                    "ends_at": starts + timedelta(minutes=MINUTES),
                    "confirmed_at": None,
                }

    def per_presenter(kind: str) -> Iterator[dict[str, Any]]:
        """Topics, agenda items and commitments: one each per presenter of a held session
        (the same id for all three)."""
        for h, (i, k) in enumerate(held):
            sid, starts = shape.session_id(i, k), shape.starts(k)
            for j in range(PRESENTERS):
                row: dict[str, Any] = {
                    "id": h * PRESENTERS + j + 1,
                    "team_id": shape.team(i),
                    "set_id": i,
                }
                who = user(i, presenter(k, j))
                if kind == "topics":
                    row |= {
                        "session_id": sid,
                        "author_id": who,
                        "status": "submitted",
                        "title": f"Topic {h}-{j}",
                        "scenario": "A situation at work.",
                        "question": "What could I do?",
                        "tried": "",
                        "shared": j != 2,
                        "submitted_at": starts - timedelta(days=5),
                        "updated_at": starts - timedelta(days=5),
                    }
                elif kind == "items":
                    row |= {
                        "vote_id": h + 1,
                        "topic_id": row["id"],
                        "presenter_id": who,
                        "position": j + 1,
                        "minutes": 45,
                        "votes": PRESENTERS - j,
                    }
                else:
                    row |= {
                        "session_id": sid,
                        "owner_id": who,
                        "topic_id": row["id"],
                        "note": "",
                        "shared": j != 2,
                        "created_at": starts + timedelta(minutes=MINUTES),
                        "updated_at": starts + timedelta(minutes=MINUTES),
                    }
                yield row

    # Each action's story: (report statuses at the next held sessions, the action's status).
    stories: list[tuple[tuple[str, ...], str]] = [
        (("done",), "done"),
        (("partly", "done"), "done"),
        (("not_yet",), "open"),
        (("changed",), "changed"),
        (("partly",), "open"),
        ((), "dropped"),
        ((), "open"),
    ]

    def story(i: int, k: int, j: int, a: int) -> tuple[tuple[str, ...], str]:
        reports, status = stories[(i + 3 * k + 2 * j + a) % len(stories)]
        reports = reports[: max(0, shape.held - 1 - k)]  # only at sessions held since
        if status in ("done", "changed") and (not reports or reports[-1] != status):
            status = "open"
        return reports, status

    def actions() -> Iterator[dict[str, Any]]:
        for h, (i, k) in enumerate(held):
            starts = shape.starts(k)
            for j in range(PRESENTERS):
                c = h * PRESENTERS + j
                for a in range(ACTIONS):
                    reports, status = story(i, k, j, a)
                    closed = shape.starts(k + len(reports)) if status != "open" else None
                    yield {
                        "id": c * ACTIONS + a + 1,
                        "team_id": shape.team(i),
                        "set_id": i,
                        "commitment_id": c + 1,
                        "session_id": shape.session_id(i, k),
                        "owner_id": user(i, presenter(k, j)),
                        "position": a + 1,
                        "text": f"Action {a + 1} of topic {c}",
                        "target_date": (starts + CADENCE).date(),
                        "status": status,
                        "created_at": starts + timedelta(minutes=MINUTES),
                        "updated_at": closed or starts,
                        "closed_at": closed,
                    }

    def action_reports() -> Iterator[dict[str, Any]]:
        ids = itertools.count(1)
        for h, (i, k) in enumerate(held):
            for j in range(PRESENTERS):
                c = h * PRESENTERS + j
                for a in range(ACTIONS):
                    for n, status in enumerate(story(i, k, j, a)[0], start=1):
                        when = shape.starts(k + n)
                        yield {
                            "id": next(ids),
                            "team_id": shape.team(i),
                            "set_id": i,
                            "action_id": c * ACTIONS + a + 1,
                            "session_id": shape.session_id(i, k + n),
                            "owner_id": user(i, presenter(k, j)),
                            "status": status,
                            "happened": "It went so.",
                            "learned": "",
                            "created_at": when,
                            "updated_at": when,
                        }

    def attendance() -> Iterator[dict[str, Any]]:
        for h, (i, k) in enumerate(held):
            for p in people:
                yield {
                    "id": h * len(people) + p + 1,
                    "team_id": shape.team(i),
                    "set_id": i,
                    "user_id": user(i, p),
                    "session_id": shape.session_id(i, k),
                    "present": (i + k + p) % 7 != 0,
                    "recorded_by": user(i, 0),
                    "recorded_at": shape.starts(k) + timedelta(minutes=MINUTES),
                }

    def reviews() -> Iterator[dict[str, Any]]:
        ids = itertools.count(1)
        for i, k in held:
            skipped = {1 + (i + k + n) % MEMBERS for n in range(MEMBERS - REVIEWS)}
            for p in members:
                if p not in skipped:
                    yield {
                        "id": next(ids),
                        "team_id": shape.team(i),
                        "set_id": i,
                        "user_id": user(i, p),
                        "session_id": shape.session_id(i, k),
                        "useful": 1 + (7 * i + 3 * k + p) % 5,
                        "note": None,
                        "answered_at": shape.starts(k) + timedelta(minutes=MINUTES + 5),
                    }

    def logs() -> Iterator[dict[str, Any]]:
        ids = itertools.count(1)
        for i, k in held:
            for p in members:
                if (i + 2 * k + p) % MEMBERS < LOGS:
                    when = shape.starts(k) + timedelta(days=1)
                    yield {
                        "id": next(ids),
                        "team_id": shape.team(i),
                        "set_id": i,
                        "session_id": shape.session_id(i, k),
                        "author_id": user(i, p),
                        "about_issue": "What I noticed.",
                        "about_set": "",
                        "created_at": when,
                        "updated_at": when,
                    }

    def goals() -> Iterator[dict[str, Any]]:
        for i in sets:
            for p in members:
                rated = (i + p) % 3 != 0
                yield {
                    "id": (i - 1) * MEMBERS + p,
                    "team_id": shape.team(i),
                    "set_id": i,
                    "user_id": user(i, p),
                    "goal": "To lead the change with less friction.",
                    "written_at": created,
                    "rating": 1 + (i + 2 * p) % 5 if rated else None,
                    "note": None,
                    "rated_at": NOW - timedelta(days=2) if rated else None,
                }

    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        counts["workspaces"] = bulk(
            conn,
            Workspace,
            iter([{"team_id": t, "name": t, "installed_at": created} for t in (TEAM, SMALL_TEAM)]),
        )
        counts["learning_sets"] = bulk(conn, LearningSet, learning_sets())
        counts["memberships"] = bulk(
            conn,
            Membership,
            (
                {
                    "id": (i - 1) * len(people) + p + 1,
                    "team_id": shape.team(i),
                    "set_id": i,
                    "user_id": user(i, p),
                    "is_facilitator": p == 0,
                    "tz": "Europe/London",
                    "joined_at": created,
                }
                for i in sets
                for p in people
            ),
        )
        counts["sessions"] = bulk(conn, PlannedSession, sessions())
        counts["topics"] = bulk(conn, Topic, per_presenter("topics"))
        counts["agenda_votes"] = bulk(conn, AgendaVote, votes())
        counts["agenda_items"] = bulk(conn, AgendaItem, per_presenter("items"))
        counts["session_attendance"] = bulk(conn, SessionAttendance, attendance())
        counts["session_reviews"] = bulk(conn, SessionReview, reviews())
        counts["commitments"] = bulk(conn, Commitment, per_presenter("commitments"))
        counts["actions"] = bulk(conn, Action, actions())
        counts["action_reports"] = bulk(conn, ActionReport, action_reports())
        counts["log_entries"] = bulk(conn, LogEntry, logs())
        counts["member_goals"] = bulk(conn, MemberGoal, goals())
        if db.dialect == "postgresql":
            for table in TABLES:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    if db.dialect == "sqlite":
        # A running database is checkpointed as it goes; right after a bulk load the WAL
        # holds every inserted page.
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


@contextlib.contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[Database]:
    if kind == "sqlite":
        db = Database(f"sqlite:///{workdir / 'programme.db'}")
        try:
            yield db
        finally:
            db.dispose()
        return
    with throwaway_postgres(os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


# ------------------------------------------------------------------------ measurement
def figures(service: ProgrammeService, team: str) -> int:
    """The report as ``/als report programme`` answers it: its rows."""
    report = service.report(team, ADMIN, admin=True, group=None)
    message = programme_message(report)
    if not message.blocks:
        raise RuntimeError("an empty programme message")
    return len(report.rows)


def csv_file(service: ProgrammeService, team: str) -> int:
    """The CSV as ``/als report programme csv`` uploads it: its size in bytes."""
    return len(programme_csv(service.sessions(team, ADMIN, admin=True, group=None)))


def ping(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT 1")).scalar_one())


def check(db: Database, shape: Shape) -> None:
    """The measured calls see every seeded figure (so the timings are of the real work)."""
    service = ProgrammeService(db, ManualClock(NOW))
    report = service.report(TEAM, ADMIN, admin=True, group=None)
    total = report.total
    if len(report.rows) != shape.sets or total is None:
        raise RuntimeError(f"{len(report.rows)} rows in the report, not {shape.sets}")
    want = {
        "members": shape.sets * MEMBERS,
        "held": shape.sets * shape.held,
        "planned": shape.sets * (shape.sessions - shape.held),
        "topics": shape.sets * shape.held * PRESENTERS,
        "committed": shape.sets * shape.held * PRESENTERS * ACTIONS,
    }
    got = {k: int(total.cells[k].value) for k in want}
    if got != want:
        raise RuntimeError(f"the report's totals {got} are not the seeded {want}")
    rows = service.sessions(TEAM, ADMIN, admin=True, group=None)
    if len(rows) != shape.sets * shape.sessions:
        raise RuntimeError(f"{len(rows)} CSV rows, not {shape.sets * shape.sessions}")


def query_calls(db: Database, team: str) -> dict[str, Callable[[Any], object]]:
    """Each statement group the two calls run, callable alone with a session."""
    with db.read() as s:
        ids = list(
            s.scalars(
                select(LearningSet.id).where(
                    LearningSet.team_id == team, LearningSet.status == SetStatus.ACTIVE
                )
            )
        )

    def active_sets(s: Any) -> object:
        return ProgrammeService._sets(s, team, None)

    return {
        "_sets (learning_sets, x2 in report)": active_sets,
        "rq.members": lambda s: rq.members(s, team, ids),
        "rq.sessions": lambda s: rq.sessions(s, team, ids, NOW),
        "rq.attendance": lambda s: rq.attendance(s, team, ids, NOW),
        "rq.topics": lambda s: rq.topics(s, team, ids),
        "rq.actions (2 statements)": lambda s: rq.actions(s, team, ids),
        "rq.reviews_overall": lambda s: rq.reviews_overall(s, team, ids, NOW),
        "rq.logs": lambda s: rq.logs(s, team, ids),
        "rq.goal_sums": lambda s: rq.goal_sums(s, team, ids),
        "xq.per_session (CSV)": lambda s: xq.per_session(s, team, ids, NOW),
    }


def capture(db: Database, run: Callable[[], object]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def explain(db: Database, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    out = []
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, params in statements:
            if db.dialect == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + statement, params)
                lines = [str(r[-1]) for r in cur.fetchall()]
            else:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                lines = [str(r[0]) for r in cur.fetchall()]
            out.append((" ".join(statement.split()), lines))
        raw.rollback()
    finally:
        raw.close()
    return out


@dataclass
class Result:
    db: str
    rows: dict[str, int]
    load_seconds: float
    times: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[str, list[float]] = field(default_factory=dict)
    plans: list[tuple[str, list[str]]] = field(default_factory=list)
    csv_bytes: int = 0


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(kind: str, shape: Shape, args: argparse.Namespace, workdir: Path) -> Result:
    with fresh_database(kind, workdir) as db:
        upgrade(db.engine)
        print(f"[{kind}] seeding {shape.sets} + {shape.reference} sets ...", flush=True)
        began = time.perf_counter()
        rows = populate(db, shape)
        load = time.perf_counter() - began
        print(
            f"[{kind}] seeded in {load:.1f} s: " + ", ".join(f"{v} {k}" for k, v in rows.items()),
            flush=True,
        )
        check(db, shape)
        service = ProgrammeService(db, ManualClock(NOW))
        measures: dict[str, Callable[[], object]] = {
            "figures": lambda: figures(service, TEAM),
            "csv": lambda: csv_file(service, TEAM),
            "ref figures": lambda: figures(service, SMALL_TEAM),
            "ref csv": lambda: csv_file(service, SMALL_TEAM),
            "ref SELECT 1": lambda: ping(db),
        }
        result = Result(kind, rows, load, csv_bytes=csv_file(service, TEAM))
        for fn in measures.values():  # warm-up
            fn()
        result.times = {name: [] for name in measures}
        names = list(measures)
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else reversed(names):
                result.times[name].append(timed(measures[name]))
        calls = query_calls(db, TEAM)
        result.queries = {name: [] for name in calls}
        for _ in range(args.rounds):
            with db.read() as s:
                for name, call in calls.items():
                    result.queries[name].append(timed(lambda call=call: call(s)))  # type: ignore[misc]
        if args.explain:
            statements = capture(db, measures["figures"]) + capture(db, measures["csv"])
            result.plans = explain(db, statements)
        return result


def report(results: list[Result], shape: Shape, rounds: int) -> None:
    print()
    print(
        f"programme report: {shape.sets} sets x {shape.sessions} sessions ({shape.held} held) x "
        f"{MEMBERS} members + lead; reference: {shape.reference} sets; "
        f"{rounds} rounds after a warm-up (seconds)"
    )
    for r in results:
        print()
        print(f"[{r.db}] rows: " + ", ".join(f"{k} {v}" for k, v in r.rows.items()))
        print(f"[{r.db}] seeded in {r.load_seconds:.1f} s; CSV {r.csv_bytes} bytes")
        header = f"{'measure':<16}{'median':>10}{'max':>10}"
        print(header)
        print("-" * len(header))
        for name, values in r.times.items():
            print(f"{name:<16}{statistics.median(values):>10.4f}{max(values):>10.4f}")
        both = [a + b for a, b in zip(r.times["figures"], r.times["csv"], strict=True)]
        print(f"{'figures + csv':<16}{statistics.median(both):>10.4f}{max(both):>10.4f}")
        aim = AIMS[r.db]
        worst = max(statistics.median(r.times["figures"]), statistics.median(r.times["csv"]))
        print(
            f"aim ({r.db}): figures and CSV each within {aim:.0f} s (median): "
            f"{'met' if worst <= aim else 'NOT met'} (slower of the two {worst:.3f} s; "
            f"together {statistics.median(both):.3f} s, "
            f"{'within' if statistics.median(both) <= aim else 'over'} {aim:.0f} s)"
        )
        print(f"per query, alone (median of {rounds}, ms):")
        for name, values in sorted(r.queries.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {name:<38}{statistics.median(values) * 1000:>10.1f}")
    for r in results:
        if not r.plans:
            continue
        print()
        print(f"plans [{r.db}]:")
        for statement, lines in r.plans:
            print(f"  {statement[:300]}{' ...' if len(statement) > 300 else ''}")
            for line in lines:
                print(f"      {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sets", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reference-sets", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    args = parser.parse_args()
    if min(args.sets, args.rounds, args.reference_sets) < 1 or args.sessions < 3:
        parser.error("--sets, --rounds, --reference-sets at least 1; --sessions at least 3")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    shape = Shape(args.sets, args.reference_sets, args.sessions)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = []
    with tempfile.TemporaryDirectory(prefix="als-bench-") as tmp:
        for kind in kinds:
            results.append(measure(kind, shape, args, Path(tmp)))
    report(results, shape, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
