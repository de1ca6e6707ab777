"""Calendar feeds: each member's personal, secret, revocable calendar feed of their sets'
sessions (``/als calendar``); ``bot.ical`` renders what this returns.

A feed link carries its workspace, member and generation, sealed with a MAC keyed from the
app's signing secret: checking one costs an HMAC and one row read. ``/als calendar reset``
moves the member to the next generation, and every older link answers 404. A feed's ETag is a
hash of the data it shows, so a client polling with ``If-None-Match`` gets its 304 from three
small reads, with no calendar built."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from bot.clock import Clock
from bot.domain.errors import NotAllowed
from bot.services import access
from bot.services.views import FeedData, SessionFacts, SessionFile
from bot.storage import feed_queries as fq
from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.models import CalendarFeed

#: Sessions this far back stay in a feed (calendar clients keep what a feed drops anyway).
DAYS_BACK = 90
DAYS_BACK_DELTA = timedelta(days=DAYS_BACK)
#: Bumped when what a feed shows changes (the same data then gives another ETag).
FORMAT = 1


class FeedSeal:
    """Seals ``team:user:generation`` into a link token, and reads it back."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"als-bot calendar feed v1", hashlib.sha256).digest()

    def token(self, team_id: str, user_id: str, generation: int) -> str:
        raw = f"{team_id}:{user_id}:{generation}".encode()
        payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return f"{payload}.{self._mac(payload)}"

    def read(self, token: str) -> tuple[str, str, int] | None:
        payload, _, mac = token.partition(".")
        if not payload or not hmac.compare_digest(self._mac(payload).encode(), mac.encode()):
            return None
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
            team_id, user_id, generation = raw.split(":")
            return team_id, user_id, int(generation)
        except ValueError:
            return None

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:32]


class FeedService:
    def __init__(self, db: Database, clock: Clock, seal: FeedSeal) -> None:
        self._db = db
        self._clock = clock
        self._seal = seal

    def link(self, team_id: str, user_id: str, *, reset: bool = False) -> str:
        """The member's feed token (made on first use); with ``reset``, a new one, and the old
        one stops working. Members of a set only."""
        with self._db.write() as s, s.begin():
            if not q.sets_of_user(s, team_id, user_id):
                raise NotAllowed(access.NOT_IN_A_SET)
            row = s.get(CalendarFeed, (team_id, user_id))
            if row is None:
                row = CalendarFeed(team_id=team_id, user_id=user_id, generation=1)
                s.add(row)
            elif reset:
                row.generation += 1
            s.flush()
            return self._seal.token(team_id, user_id, row.generation)

    def feed(self, token: str) -> FeedData | None:
        """What the feed a link names shows, or None (a made-up, damaged or revoked link)."""
        claim = self._seal.read(token)
        if claim is None:
            return None
        team_id, user_id, generation = claim
        now = self._clock()
        with self._db.reads() as conn:
            rows = fq.feed_sessions(conn, team_id, user_id, generation, now - DAYS_BACK_DELTA)
            # No rows: no session to show, or no such feed (any more).
            if not rows and fq.live_generation(conn, team_id, user_id) != generation:
                return None
        # The validator: everything the feed shows, each row's values as text, in one pass.
        shown = [f"{FORMAT}|{team_id}|{now.year}"]
        shown.extend("\x1f".join(map(str, r)) for r in rows)
        digest = hashlib.sha256("\n".join(shown).encode())
        return FeedData(
            team_id=team_id,
            rows=rows,
            etag=f'"{digest.hexdigest()[:32]}"',
            year=now.year,
        )

    def next_session(self, team_id: str, user_id: str) -> SessionFile | None:
        """The member's next session (the soonest of their sets'), for a file; None when none
        is planned. Members of a set only."""
        now = self._clock()
        with self._db.read() as s:
            sets = q.sets_of_user(s, team_id, user_id)
            if not sets:
                raise NotAllowed(access.NOT_IN_A_SET)
            found: SessionFile | None = None
            for lset in sets:
                upcoming = q.upcoming_sessions(s, team_id, lset.id, now)
                row = next((r for r in upcoming if r.starts_at > now), None)
                if row is None or (found and found.session.starts_at <= row.starts_at):
                    continue
                facts = SessionFacts(*(getattr(row, c.key) for c in fq.FACTS))
                found = SessionFile(team_id, lset.name, lset.place, facts, now.year)
            return found
