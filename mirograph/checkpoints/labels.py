"""Thread labels: the readable name beside a thread's UUID id, and finding a thread by
what a person types (its id, its label, or a unique prefix of its id).

`langgraph dev` accepts only UUID thread ids, so `mirograph run --thread NAME` makes a
UUID and keeps NAME as the thread's `label` (unique in the database). Threads written
before labels existed keep their ids, readable or not: an exact id always wins.
"""

from __future__ import annotations

import uuid
from typing import Any

from mirograph.errors import InputError, ThreadNotFound

MIN_PREFIX = 4
"""Shorter prefixes are too easily a typo of a label to be taken as an id."""


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def new_thread(name: str | None) -> tuple[str, str | None]:
    """The id and label of a new thread called `name`: a UUID given stays the id; any other
    name becomes the label of a fresh UUID; no name, a fresh UUID and no label."""
    if name is None:
        return str(uuid.uuid4()), None
    if not name.strip():
        raise InputError("the thread name is empty")
    if is_uuid(name):
        return name.lower(), None
    return str(uuid.uuid4()), name


def find_thread(reader: Any, given: str) -> str | None:
    """The id of the thread `given` names exactly (id or label), or None. `reader` is a
    saver or a listing (anything with `_read()`; `has_label` False for an old read-only
    file)."""
    with reader._read() as cur:
        row = cur.execute("SELECT thread_id FROM threads WHERE thread_id = ?", (given,)).fetchone()
        if row is None and getattr(reader, "has_label", True):
            row = cur.execute("SELECT thread_id FROM threads WHERE label = ?", (given,)).fetchone()
    return row[0] if row else None


def resolve_thread(reader: Any, given: str) -> str:
    """The id of the thread `given` names: its id, its label, or a prefix (4+ characters)
    of exactly one thread's id. Unknown: `ThreadNotFound`; ambiguous: `InputError`."""
    found = find_thread(reader, given)
    if found is not None:
        return found
    if len(given) >= MIN_PREFIX:
        with reader._read() as cur:
            rows = cur.execute(
                "SELECT thread_id FROM threads WHERE substr(thread_id, 1, ?) = ? "
                "ORDER BY thread_id LIMIT 3",
                (len(given), given),
            ).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if rows:
            some = ", ".join(row[0] for row in rows[:2])
            raise InputError(
                f"thread {given!r} matches several threads ({some}, …): give more of the id"
            )
    raise ThreadNotFound(f"no thread {given!r} in this database (see `mirograph threads`)")
