"""Databases of their own on the machine's PostgreSQL (127.0.0.1:5432, user postgres).

Each test gets a fresh database, dropped afterwards. `.ci/run` starts the server when it
is down; a test that needs it and cannot reach it fails (it is never skipped quietly).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

SERVER = os.environ.get("MIROGRAPH_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
SOCKET_DIR = "/var/run/postgresql"


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=10)


@contextmanager
def fresh_database(prefix: str = "mgtest") -> Iterator[str]:
    """Create an empty database; yield its URL; drop it (and its connections) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def socket_url(url: str) -> str:
    """The same database through the unix socket (for tests inside `unshare -n`)."""
    name = url.rsplit("/", 1)[1]
    return f"postgresql://postgres@/{name}?host={SOCKET_DIR}"


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on its own connection; return its rows (if any)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []
