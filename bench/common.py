"""Shared by the benchmark scripts: a throwaway PostgreSQL database on loopback."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.storage.db import make_engine

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
