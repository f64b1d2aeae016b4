"""SQL that both backends run: placeholders and upserts both SQLite and PostgreSQL accept.

The savers' shared logic (`saver.SaverCore`, maintenance, delta replay, leases, fork) is
written once, in SQLite's placeholder style (`?` and `:name`); the PostgreSQL cursor
translates it (`to_pyformat`). Upserts use `INSERT ... ON CONFLICT`, which both accept,
instead of SQLite's `INSERT OR REPLACE`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_COMMENT = re.compile(r"--[^\n]*")
_WALK = re.compile(r"CROSS JOIN checkpoints c\s+ON (.*?)\s+WHERE", re.DOTALL)
_LATERAL = r"CROSS JOIN LATERAL (SELECT * FROM checkpoints c WHERE \1 LIMIT 1) c WHERE"


def upsert(
    table: str,
    columns: Sequence[str],
    keys: Sequence[str],
    *,
    select: str = "",
    replace: bool = True,
) -> str:
    """`INSERT` that replaces the non-key columns of an existing row with the new ones
    (with `replace=False`: that keeps the existing row).

    With `select` the rows come from that query (`SELECT ... WHERE ...`) instead of
    `VALUES (?, ...)`; it must have a WHERE clause (SQLite's parser needs one there).
    """
    rest = [c for c in columns if c not in keys]
    source = select or f"VALUES ({', '.join('?' * len(columns))})"
    action = (
        "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in rest)
        if rest and replace
        else "DO NOTHING"
    )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "
        f"ON CONFLICT ({', '.join(keys)}) {action}"
    )


def marks(n: int) -> str:
    """`?, ?, ?` for an `IN (...)` of n values."""
    return ",".join("?" * n)


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """SQLite-style SQL to psycopg's: `?` -> `%s`, `:name` -> `%(name)s`, `%` escaped.

    `CROSS JOIN checkpoints c ON ...` (SQLite's way to pin the lineage walk as the outer
    loop) becomes PostgreSQL's `CROSS JOIN LATERAL (... LIMIT 1)`, which does the same:
    one primary-key lookup per step, where a plain join is planned as a scan per step.
    Only SQL written in this package goes through here; it has no `?` or `:` in literals.
    """
    sql = _COMMENT.sub("", sql).replace("%", "%%")
    sql = _WALK.sub(_LATERAL, sql)
    sql = sql.replace("CROSS JOIN checkpoints", "JOIN checkpoints")
    sql = _NAMED.sub(r"%(\1)s", sql)
    return sql.replace("?", "%s")
