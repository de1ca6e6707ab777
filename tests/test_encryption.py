"""Members' text sealed at rest (``bot.storage.crypto``): what is stored, rotation while the
app serves, the keys' commands and their errors."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Text, select, type_coerce
from sqlalchemy.engine import make_url

from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage import rekey
from bot.storage.crypto import (
    PREFIX,
    KeyProblem,
    Keyring,
    keyring_of,
    new_key,
    sealed_with,
    use_keyring,
)
from bot.storage.db import Database
from bot.storage.models import Topic
from tests.conftest import MEMBERS, TEST_KEY
from tests.helpers import create_set, submit_topic
from tests.test_cli import run

MARK = "SEALED-7c1e"
#: Typed by members but stored readable, by design: the set's name, its place, topic titles.
READABLE = re.compile(r"SECRET-(name|place|title\d+)-")


def found_in_storage(db: Database, marker: re.Pattern[str]) -> set[str]:
    """Every text matching ``marker`` in the database's raw storage: SQLite's file and its
    write-ahead log as bytes, or the PostgreSQL database as ``pg_dump`` writes it."""
    url = make_url(db.url)
    if db.dialect == "sqlite":
        # Read by another process: closing a descriptor of the file in this one would drop
        # the POSIX locks this process's SQLite connections hold on it (and corrupt it).
        files = [f for f in (str(url.database), f"{url.database}-wal") if Path(f).exists()]
        raw = subprocess.run(["cat", *files], capture_output=True, check=True).stdout
        return set(marker.findall(raw.decode("utf-8", "replace")))
    where = ["-h", str(url.host), "-p", str(url.port or 5432), "-U", str(url.username)]
    dump = subprocess.run(
        ["pg_dump", "--data-only", *where, str(url.database)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "COPY public.topics" in dump.stdout  # the dump holds the data
    return set(marker.findall(dump.stdout))


def raw_topics(db: Database) -> list[tuple[str, str, str, str]]:
    """The topics' title, scenario, question and tried exactly as stored."""
    raw = [type_coerce(c, Text()) for c in (Topic.scenario, Topic.question, Topic.tried)]
    with db.read() as s:
        rows = s.execute(select(Topic.title, *raw).order_by(Topic.id)).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


@pytest.fixture
def keys(db: Database) -> Iterator[list[str]]:
    """The test's own keys (the app's engine is given them as a restart would), and the
    run's key put back after."""
    before = keyring_of(db.engine)
    ring = [new_key()]
    use_keyring(db.engine, Keyring(ring))
    yield ring
    use_keyring(db.engine, before)


# ------------------------------------------------------------------------- the keyring itself


def test_a_sealed_value_opens_only_with_its_key_and_fails_in_one_line() -> None:
    ring = Keyring([new_key()])
    sealed = ring.seal(f"my {MARK} scenario")
    assert sealed.startswith(f"{PREFIX}{ring.current}:") and MARK not in sealed
    assert ring.seal(f"my {MARK} scenario") != sealed  # a fresh IV each time
    assert ring.open(sealed) == f"my {MARK} scenario"
    assert ring.seal("") == "" and ring.open("written in clear") == "written in clear"
    # altered: refused, naming the key, never the value
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(KeyProblem, match=ring.current) as bad:
        ring.open(altered)
    assert MARK not in str(bad.value) and "\n" not in str(bad.value)
    # sealed with a key that was removed: named
    other = Keyring([new_key()])
    with pytest.raises(KeyProblem, match=f"key {other.current}, which is not in"):
        ring.open(other.seal("x"))
    # the older key still opens once a new one seals
    both = Keyring([new_key(), TEST_KEY])
    assert both.open(Keyring([TEST_KEY]).seal("old")) == "old"
    with pytest.raises(KeyProblem, match="key 2 of ALS_ENCRYPTION_KEYS is not a valid key"):
        Keyring([new_key(), "not-a-key"])


# --------------------------------------------------------------------- through the Slack surface


@pytest.mark.db
def test_topic_text_is_stored_sealed_and_read_back_plain(
    db: Database, driver: SlackDriver, slack: FakeSlack
) -> None:
    create_set(driver, slack)
    submit_topic(
        driver,
        slack,
        MEMBERS[0],
        title="Budget talks",
        scenario=f"scenario {MARK}",
        question=f"question {MARK}",
        tried=f"tried {MARK}",
    )
    [(title, *sealed)] = raw_topics(db)
    assert title == "Budget talks"  # the title stays readable to the set
    assert all(v.startswith(PREFIX) and MARK not in v for v in sealed)
    with db.read() as s:
        topic = s.execute(select(Topic)).scalar_one()
    assert (topic.scenario, topic.question, topic.tried) == (
        f"scenario {MARK}",
        f"question {MARK}",
        f"tried {MARK}",
    )


# ------------------------------------------------------------------------------- rotation


def _clear_rows(db: Database, n: int) -> None:
    """``n`` topics written before encryption was turned on (stored in clear)."""
    plain = Database(db.url)  # no keyring: text in clear
    try:
        with plain.write() as s, s.begin():
            topic = s.execute(select(Topic.team_id, Topic.set_id, Topic.session_id)).first()
            assert topic is not None
            for i in range(n):
                s.add(
                    Topic(
                        team_id=topic.team_id,
                        set_id=topic.set_id,
                        session_id=topic.session_id,
                        author_id=f"UCLEAR{i:04d}",
                        status="submitted",
                        title=f"clear {i}",
                        scenario=f"clear scenario {i} {MARK}",
                        question=f"clear question {i}",
                    )
                )
    finally:
        plain.dispose()


@pytest.mark.db
def test_rotation_while_the_app_serves_loses_nothing_and_leaves_nothing_under_the_old_key(
    db: Database, driver: SlackDriver, slack: FakeSlack, keys: list[str]
) -> None:
    create_set(driver, slack)
    submit_topic(driver, slack, MEMBERS[0], scenario=f"first {MARK}")
    _clear_rows(db, 120)
    old = keys[0]
    ring = Keyring([new_key(), old])  # the new key first; the processes restarted with both
    use_keyring(db.engine, ring)
    before = rekey.check(db)
    assert before[rekey.CLEAR] == 240 and set(before) == {Keyring([old]).current, rekey.CLEAR}

    # Members edit their topics while the rotation runs: one thread edits all along, and one
    # edit surely lands half-way (between two batches of the topics).
    edits: list[str] = []
    done = threading.Event()

    one_at_a_time = threading.Lock()  # so that the last edit listed is the last one made

    def edit(n: int) -> None:
        text = f"edited {n} {MARK}"
        with one_at_a_time:
            submit_topic(driver, slack, MEMBERS[0], scenario=text)
            edits.append(text)

    def keep_editing() -> None:
        for n in range(4):
            if done.is_set():
                return
            edit(n)

    editor = threading.Thread(target=keep_editing)
    editor.start()
    seen: list[tuple[str, int, int]] = []

    def progress(table: str, rows: int, total: int) -> None:
        seen.append((table, rows, total))
        if (table, rows) == ("topics", 14):
            edit(99)

    result = rekey.rotate(db, ring, batch=7, progress=progress)
    done.set()
    editor.join()

    assert result.sealed == 240 and 1 <= result.resealed <= 3  # the contract, the first topic
    assert "edited 99 " + MARK in edits
    assert ("topics", 121, 121) in seen  # progress reported, to the last row
    counts = rekey.check(db)
    assert set(counts) == {ring.current}, counts  # nothing under the old key, nothing in clear
    rows = raw_topics(db)
    assert all(MARK not in v for row in rows for v in row[1:])
    with db.read() as s:
        topics = s.execute(select(Topic).order_by(Topic.id)).scalars().all()
    assert topics[0].scenario == (edits[-1] if edits else f"first {MARK}")  # the last edit won
    assert [t.scenario for t in topics[1:]] == [f"clear scenario {i} {MARK}" for i in range(120)]
    # run again: nothing to do
    again = rekey.rotate(db, ring, batch=50)
    assert (again.sealed, again.resealed) == (0, 0)


def test_a_value_edited_between_the_rotations_read_and_its_write_is_kept_and_the_rest_sealed(
    db: Database, driver: SlackDriver, slack: FakeSlack, keys: list[str]
) -> None:
    """The rotation's write is conditional column by column: a member's edit of the scenario,
    made after the rotation read the row, is kept, and the same row's question is sealed
    again all the same; a row whose every value was edited counts as raced."""
    create_set(driver, slack)
    submit_topic(driver, slack, MEMBERS[0], scenario=f"old scenario {MARK}")
    ring = Keyring([new_key(), keys[0]])
    use_keyring(db.engine, ring)
    columns = [Topic.__table__.c[name] for name in ("scenario", "question", "tried")]
    raw = [type_coerce(c, Text()) for c in columns]
    with db.read() as s:
        read = s.execute(select(Topic.id, *raw)).one()  # what the rotation read
    submit_topic(driver, slack, MEMBERS[0], scenario=f"edited {MARK}")  # the edit, after it
    values = {c.name: v for c, v in zip(columns, read[1:], strict=True)}
    change = rekey._change(ring, read[0], values, rekey.Rotation())
    with db.write() as s, s.begin():
        updated = s.connection().execute(rekey._reseal_statement(Topic.__table__, columns), change)
    assert updated.rowcount == 1
    with db.read() as s:
        topic = s.execute(select(Topic)).scalar_one()
    assert topic.scenario == f"edited {MARK}"  # the edit was kept
    with db.read() as s:
        question = s.execute(select(type_coerce(Topic.question, Text()))).scalar_one()
    assert sealed_with(question) == ring.current != sealed_with(read[2])  # sealed again
    # Every value edited meanwhile: nothing written, the row counted as raced.
    only = {"_id": read[0], "_old_scenario": read[1], "_new_scenario": "x"}
    only |= {f"_{w}_{c.name}": None for w in ("old", "new") for c in columns[1:]}
    with db.write() as s, s.begin():
        assert (
            s.connection().execute(rekey._reseal_statement(Topic.__table__, columns), only).rowcount
            == 0
        )


# ------------------------------------------------------------------------------- the commands


def _env(tmp_path: Path, *keys: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'als.db'}",
        "ALS_ENCRYPTION_KEYS": ",".join(keys),
    }


def _seed(tmp_path: Path, key: str, n: int) -> None:
    """A migrated SQLite database with ``n`` topics sealed with ``key`` (and one set)."""
    from bot.storage.migrate import upgrade
    from bot.storage.models import LearningSet, PlannedSession, Workspace

    db = Database(f"sqlite:///{tmp_path / 'als.db'}", keyring=Keyring([key]))
    upgrade(db.engine)
    from datetime import UTC, datetime

    when = datetime(2027, 1, 4, 9, tzinfo=UTC)
    with db.write() as s, s.begin():
        s.add(Workspace(team_id="T1"))
        s.flush()
        ls = LearningSet(
            team_id="T1",
            channel_id="C1",
            name="A set",
            timezone="Europe/London",
            anchor_date=when.date(),
            session_time=when.time(),
            cadence_weeks=2,
            session_minutes=120,
            ground_rules=f"rules {MARK}",
            created_by="U1",
        )
        s.add(ls)
        s.flush()
        session = PlannedSession(
            team_id="T1",
            set_id=ls.id,
            local_date=when.date(),
            local_time=when.time(),
            timezone="Europe/London",
            starts_at=when,
            duration_minutes=120,
        )
        s.add(session)
        s.flush()
        for i in range(n):
            s.add(
                Topic(
                    team_id="T1",
                    set_id=ls.id,
                    session_id=session.id,
                    author_id=f"U{i:05d}",
                    status="submitted",
                    title=f"t{i}",
                    scenario=f"scenario {i} {MARK}",
                )
            )
    db.dispose()


def test_keygen_rotate_and_check_from_the_command_line(tmp_path: Path) -> None:
    key = run(["keygen"], tmp_path).stdout.strip()
    assert Keyring([key]).current  # a valid key, alone on its line
    old = new_key()
    _seed(tmp_path, old, 300)

    # The old key was dropped too early: --check names the key whose values cannot be read.
    lost = run(["rotate-keys", "--check"], tmp_path, _env(tmp_path, key))
    assert lost.returncode == 1
    assert f"301 value(s) sealed with {Keyring([old]).current}, a key NOT in" in lost.stdout
    assert "with the missing key put back" in lost.stderr and "Traceback" not in lost.stderr
    # and a rotation without it says which key is missing, in one line, and changes nothing
    failed = run(["rotate-keys"], tmp_path, _env(tmp_path, key))
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1, failed.stderr
    assert Keyring([old]).current in failed.stderr and MARK not in failed.stderr

    # Cut short (killed after its first batch), then run again: every value under the new key.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "rotate-keys", "--batch", "20"],
        cwd=tmp_path,
        env={**_base_env(), **_env(tmp_path, key, old)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.kill()
    proc.wait()
    assert first.startswith("rotate-keys: ")
    middle = run(["rotate-keys", "--check"], tmp_path, _env(tmp_path, key, old))
    assert middle.returncode == 1 and "an older key still in" in middle.stdout
    resumed = run(["rotate-keys", "--batch", "50"], tmp_path, _env(tmp_path, key, old))
    assert resumed.returncode == 0, resumed.stderr
    assert "rotate-keys: topics: 300 of 300 row(s)" in resumed.stdout
    assert f"every value is sealed with the current key {Keyring([key]).current}" in resumed.stdout
    # The old key can go now.
    final = run(["rotate-keys", "--check"], tmp_path, _env(tmp_path, key))
    assert final.returncode == 0, final.stdout
    db = Database(f"sqlite:///{tmp_path / 'als.db'}", keyring=Keyring([key]))
    with db.read() as s:
        scenarios = s.execute(select(Topic.scenario).order_by(Topic.id)).scalars().all()
    db.dispose()
    assert scenarios == [f"scenario {i} {MARK}" for i in range(300)]


def _base_env() -> dict[str, str]:
    import os

    return {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "ALS_"))
    }


def test_postgresql_without_a_key_is_refused_in_one_line(tmp_path: Path) -> None:
    pg = {
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/als",
        "SLACK_BOT_TOKEN": "xoxb-test",
    }
    for command in (["serve"], ["scheduler"], ["tick"]):
        result = run(command, tmp_path, {**pg, "SLACK_SIGNING_SECRET": "s"})
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert "ALS_ENCRYPTION_KEYS is not set" in result.stderr
        assert "als-bot keygen" in result.stderr and "ALS_ENCRYPTION=off" in result.stderr
    both = run(["tick"], tmp_path, {**pg, "ALS_ENCRYPTION": "off", "ALS_ENCRYPTION_KEYS": TEST_KEY})
    assert (
        both.returncode == 2
        and "ALS_ENCRYPTION is off but ALS_ENCRYPTION_KEYS is set" in both.stderr
    )
    # explicitly off: it goes on (and stops at the unreachable database instead)
    off = run(["tick"], tmp_path, {**pg, "ALS_ENCRYPTION": "off"})
    assert off.returncode == 2 and "cannot be reached" in off.stderr


def test_the_sandbox_seals_with_a_key_of_its_own_kept_next_to_its_database(
    tmp_path: Path,
) -> None:
    from tests.test_sandbox_server import running_sandbox

    with running_sandbox(tmp_path) as sandbox:
        key = sandbox.db.keyring
        assert key is not None and keyring_of(sandbox.db.engine) is key
    key_path = tmp_path / "als-sandbox.db.key"
    assert key_path.stat().st_mode & 0o777 == 0o600
    with running_sandbox(tmp_path) as again:  # continued: the same key opens its text
        assert again.db.keyring is not None and again.db.keyring.current == key.current
    with running_sandbox(tmp_path, fresh=True) as fresh:  # starting over: a new key
        assert fresh.db.keyring is not None and fresh.db.keyring.current != key.current


def test_a_process_given_the_wrong_key_stops_at_start_naming_the_key(
    tmp_path: Path, slack: FakeSlack
) -> None:
    old = new_key()
    _seed(tmp_path, old, 3)
    wrong = new_key()
    env = {
        **_env(tmp_path, wrong),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": "s",
    }
    for command in (["tick"], ["serve", "--no-scheduler"]):
        result = run(command, tmp_path, env)
        assert result.returncode == 2, result.stderr
        line = result.stderr.strip()
        assert line.count("\n") == 0 and "Traceback" not in line and MARK not in line
        assert f"sealed with key {Keyring([old]).current}, which is not in" in line, line


def test_a_wrong_key_stops_at_start_when_only_the_slack_tokens_are_sealed(
    tmp_path: Path, slack: FakeSlack
) -> None:
    """The start probe covers the distributed app's tokens too (``bot.storage.installations``):
    a database holding no member's text yet, only an install, is refused with the wrong key."""
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.storage.installations import InstallationRecords
    from bot.storage.migrate import upgrade

    old = new_key()
    db = Database(f"sqlite:///{tmp_path / 'als.db'}", keyring=Keyring([old]))
    upgrade(db.engine)
    token = f"xoxb-{MARK}-token"
    InstallationRecords("1111.2222", db).save(
        Installation(app_id="A1", team_id="T1", user_id="U1", bot_user_id="U0BOT", bot_token=token)
    )
    try:
        assert rekey.check(db) == {Keyring([old]).current: 2}  # the two tables' bot tokens
    finally:
        db.dispose()
    env = {
        **_env(tmp_path, new_key()),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": "s",
    }
    result = run(["tick"], tmp_path, env)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "Traceback" not in line and MARK not in line
    assert f"sealed with key {Keyring([old]).current}, which is not in" in line, line
