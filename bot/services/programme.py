"""The programme report for organisers (the workspace's admins, and people a set's lead names):
every set of the workspace (or of one group, e.g. "2027 cohort"), a row each and the total,
counts and ratings only, and no figure from fewer than ``THRESHOLD`` people. Every figure is a
SQL aggregate (``bot.storage.report_queries``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import report as rp
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.status import SetStatus
from bot.services import access
from bot.services.views import ProgrammeReport, ProgrammeRow, SessionRow
from bot.services.views.report import COLUMNS
from bot.storage import export_queries as xq
from bot.storage import queries as q
from bot.storage import report_queries as rq
from bot.storage.db import Database
from bot.storage.models import LearningSet, Organiser

GROUP_MAX = 40
GROUP_FIELD = "group"
NOT_AN_ORGANISER = (
    "The programme report is for organisers: the workspace's admins, and people the lead of a "
    "set names with `/als organisers`."
)


def group_of(lset: LearningSet) -> str | None:
    raw = (lset.settings or {}).get("group")
    return raw if isinstance(raw, str) and raw else None


def _rows(
    s: Session, team_id: str, sets: Sequence[LearningSet], now: datetime
) -> list[ProgrammeRow]:
    ids = [x.id for x in sets]
    members = rq.members(s, team_id, ids)
    sessions = rq.sessions(s, team_id, ids, now)
    attendance = rq.attendance(s, team_id, ids, now)
    topics = rq.topics(s, team_id, ids)
    actions = rq.actions(s, team_id, ids)
    reviews = rq.reviews_overall(s, team_id, ids, now)
    logs = rq.logs(s, team_id, ids)
    goals = rq.goal_sums(s, team_id, ids)
    rows = []
    for lset in sets:
        n = members.get(lset.id, 0)
        held, planned = sessions.get(lset.id, (0, 0))
        present, marks, _, marked = attendance.get(lset.id, (0, 0, 0, 0))
        done = actions.get(lset.id, {})
        answers, score_sum, reviewers = reviews.get(lset.id, (0, 0.0, 0))
        written, rated, rating_sum = goals.get(lset.id, (0, 0, 0))
        no_people = rp.THRESHOLD  # figures about the set, not about people: always shown
        cells = {
            "members": rp.Cell(n, n),
            "held": rp.Cell(held, no_people),
            "planned": rp.Cell(planned, no_people),
            "attendance": rp.Cell(present, marked, of=marks),
            "topics": _cell(topics.get(lset.id)),
            "committed": _cell(done.get("committed")),
            "done": _cell(done.get("done")),
            "useful": rp.Cell(score_sum, reviewers, of=answers),
            "logs": _cell(logs.get(lset.id)),
            "goals": rp.Cell(written, written),
            "rated": rp.Cell(rating_sum, rated, of=rated),
        }
        hidden = frozenset(k for k, c in cells.items() if not c.shown)
        rows.append(ProgrammeRow(lset.name, group_of(lset), cells, hidden))
    return rows


def _cell(c: rq.Counted | None) -> rp.Cell:
    return rp.Cell(c.n, c.people) if c else rp.Cell(0, 0)


def _total(rows: list[ProgrammeRow]) -> ProgrammeRow:
    cells: dict[str, rp.Cell] = {}
    hidden = set()
    for key, _ in COLUMNS:
        cell, shown = rp.total([r.cells[key] for r in rows])
        cells[key] = cell
        if not shown:
            hidden.add(key)
    return ProgrammeRow("Total", None, cells, frozenset(hidden))


class ProgrammeService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    @staticmethod
    def _is_organiser(s: Session, team_id: str, user_id: str, admin: bool) -> bool:
        if admin:
            return True
        return (
            s.scalar(
                select(Organiser.id).where(
                    Organiser.team_id == team_id, Organiser.user_id == user_id
                )
            )
            is not None
        )

    @staticmethod
    def _leads_a_set(s: Session, team_id: str, user_id: str) -> bool:
        return any(
            m.is_facilitator and m.left_at is None
            for m in q.memberships_of_user(s, team_id, user_id)
        )

    @staticmethod
    def _sets(
        s: Session, team_id: str, group: str | None, every: list[LearningSet] | None = None
    ) -> list[LearningSet]:
        """The workspace's active sets (``every``, if already read), of ``group`` if given
        (none there: said, with the groups there are)."""
        sets = every if every is not None else ProgrammeService._all_sets(s, team_id)
        if not group:
            return sets
        wanted = group.strip().lower()
        found = [x for x in sets if (group_of(x) or "").lower() == wanted]
        if not found:
            groups = sorted({g for x in sets if (g := group_of(x))})
            raise NotFound(
                f"No set is in the group “{group[:GROUP_MAX]}”."
                + (f" Groups: {', '.join(groups)}." if groups else " No set has a group yet.")
            )
        return found

    @staticmethod
    def _all_sets(s: Session, team_id: str) -> list[LearningSet]:
        return list(
            s.scalars(
                select(LearningSet)
                .where(LearningSet.team_id == team_id, LearningSet.status == SetStatus.ACTIVE)
                .order_by(LearningSet.name, LearningSet.id)
            )
        )

    def report(
        self, team_id: str, user_id: str, *, admin: bool, group: str | None
    ) -> ProgrammeReport:
        now = self._clock()
        with self._db.read() as s:
            if not self._is_organiser(s, team_id, user_id, admin):
                raise NotAllowed(NOT_AN_ORGANISER)
            every = self._all_sets(s, team_id)
            sets = self._sets(s, team_id, group, every)
            groups = tuple(sorted({g for x in every if (g := group_of(x))}))
            rows = _rows(s, team_id, sets, now)
            return ProgrammeReport(group, tuple(rows), _total(rows) if rows else None, groups)

    def sessions(
        self, team_id: str, user_id: str, *, admin: bool, group: str | None
    ) -> list[SessionRow]:
        """The programme CSV: a row per set and session, aggregates only, each cell hidden when
        it comes from 1-2 people."""
        now = self._clock()
        with self._db.read() as s:
            if not self._is_organiser(s, team_id, user_id, admin):
                raise NotAllowed(NOT_AN_ORGANISER)
            sets = {x.id: x for x in self._sets(s, team_id, group)}
            out = []
            for set_id, _, day, held, marks, topics, reviews in xq.per_session(
                s, team_id, list(sets), now
            ):
                present, all_marks, people = marks
                answers, total = reviews
                out.append(
                    SessionRow(
                        set_name=sets[set_id].name,
                        group=group_of(sets[set_id]),
                        day=day,
                        held=held,
                        cells={
                            "attendance": rp.Cell(present, people, of=all_marks),
                            "topics": rp.Cell(topics[0], topics[1]),
                            "useful": rp.Cell(total, answers, of=answers),
                        },
                    )
                )
            return out

    def organisers(self, team_id: str, user_id: str, *, admin: bool) -> tuple[list[str], bool]:
        """The workspace's organisers, and whether ``user_id`` may change them (an admin, or
        the lead of a set)."""
        with self._db.read() as s:
            rows = s.scalars(
                select(Organiser.user_id)
                .where(Organiser.team_id == team_id)
                .order_by(Organiser.added_at, Organiser.id)
            ).all()
            return list(rows), admin or self._leads_a_set(s, team_id, user_id)

    def set_organisers(
        self, team_id: str, user_id: str, wanted: Sequence[str], *, admin: bool
    ) -> list[str]:
        """An admin or a set's lead replaces the list of organisers."""
        now = self._clock()
        with self._db.write() as s, s.begin():
            if not (admin or self._leads_a_set(s, team_id, user_id)):
                raise NotAllowed("Only the lead of a set (or a workspace admin) names organisers.")
            if len(wanted) > 50:
                raise InvalidInput({"organisers": "At most 50 organisers."})
            q.ensure_workspace(s, team_id)
            current = set(
                s.scalars(select(Organiser.user_id).where(Organiser.team_id == team_id)).all()
            )
            gone = current - set(wanted)
            if gone:
                s.execute(
                    delete(Organiser).where(
                        Organiser.team_id == team_id, Organiser.user_id.in_(gone)
                    )
                )
            for person in dict.fromkeys(wanted):
                if person not in current:
                    s.add(
                        Organiser(team_id=team_id, user_id=person, added_by=user_id, added_at=now)
                    )
            s.flush()
            return list(dict.fromkeys(wanted))

    def set_group(self, team_id: str, user_id: str, channel_id: str, group: str) -> str | None:
        """The lead puts the channel's set in a group ("" takes it out)."""
        with self._db.write() as s, s.begin():
            lset = access.set_for_command(s, team_id, user_id, channel_id)
            access.require_facilitator(s, lset, user_id, "put the set in a group")
            label = " ".join(group.split())
            if len(label) > GROUP_MAX:
                raise InvalidInput({GROUP_FIELD: f"At most {GROUP_MAX} characters."})
            lset.settings = {**(lset.settings or {}), GROUP_FIELD: label or None}
            s.flush()
            return label or None
