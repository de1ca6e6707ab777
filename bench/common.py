"""Shared by the benchmark scripts: a throwaway PostgreSQL database on loopback (or a SQLite file),
and a baseline revision checked out beside the working tree (``--baseline REV``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.storage.crypto import Keyring
from bot.storage.db import Database, make_engine

ROOT = Path(__file__).resolve().parent.parent

#: Where the throwaway databases are created (``ALS_BENCH_POSTGRES_URL`` overrides it).
PG_ADMIN_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A fresh database on ``admin_url``'s server (loopback only), dropped afterwards."""
    url = make_url(admin_url)
    if url.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing a non-loopback PostgreSQL host: {url.host}")
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    name = f"als_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception), admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_admin_url() -> str:
    """Where throwaway PostgreSQL databases are created (``ALS_BENCH_POSTGRES_URL``)."""
    return os.environ.get("ALS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)


@contextlib.contextmanager
def bench_database(
    kind: str, workdir: Path, name: str = "bench", keyring: Keyring | None = None
) -> Iterator[Database]:
    """A fresh, empty ``Database``: ``kind`` "sqlite" (``workdir/name.db``) or "postgresql" (a
    throwaway database on ``postgres_admin_url()``, dropped afterwards); disposed afterwards.
    ``keyring`` seals members' text (none: in clear)."""
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{workdir / f'{name}.db'}"
        else:
            url = stack.enter_context(throwaway_postgres(postgres_admin_url()))
        db = Database(url, keyring=keyring)
        stack.callback(db.dispose)  # before the throwaway database is dropped
        yield db


@dataclass
class Baseline:
    rev: str  # as given on the command line
    commit: str  # what it resolved to
    tree: Path  # the temporary worktree: its `bot` package is the one measured as "base"

    def env(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` with the worktree first on ``PYTHONPATH`` (ahead of the editable install)."""
        paths = [str(self.tree), *filter(None, [env.get("PYTHONPATH")])]
        return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def git(*argv: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout.strip()


@contextlib.contextmanager
def baseline_worktree(rev: str, parent: Path) -> Iterator[Baseline]:
    """``rev`` checked out, detached, in a temporary worktree under ``parent`` (the working
    tree, index and branches of the checkout are not touched); removed afterwards."""
    commit = git("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    tree = parent / "baseline"
    try:
        git("worktree", "add", "--detach", str(tree), commit)
        yield Baseline(rev, commit, tree)
    finally:
        with contextlib.suppress(RuntimeError):
            git("worktree", "remove", "--force", str(tree))
        with contextlib.suppress(RuntimeError):
            git("worktree", "prune")


def imported_bot(env: dict[str, str], workdir: Path) -> Path:
    """Where a Python started with ``env`` in ``workdir`` imports ``bot`` from."""
    done = subprocess.run(
        [sys.executable, "-c", "import bot; print(bot.__file__)"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip()).resolve()
