"""Thread labels: a readable name beside the UUID id, stored with the first checkpoint,
unique, found by `resolve_thread` with the id or any unique prefix of it; files and
databases from before the column gain it at open, and their threads keep their ids."""

from __future__ import annotations

import sqlite3
import uuid

import psycopg
import pytest

from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints._pg_schema import DDL as PG_DDL
from mirograph.checkpoints._pg_schema import SCHEMA_VERSION
from mirograph.checkpoints._schema import DDL
from mirograph.checkpoints.labels import new_thread, resolve_thread
from mirograph.checkpoints.listing import open_listing
from mirograph.errors import InputError, ThreadNotFound
from tests.checkpoints.conftest import build_loop, config, execute, start
from tests.postgres import fresh_database, query

OLD_THREADS = ",\n    label TEXT\n"


def run_labelled(saver, label: str, thread_id: str | None = None) -> str:
    thread_id = thread_id or str(uuid.uuid4())
    saver.stage_thread_label(thread_id, label)
    build_loop(1).compile(checkpointer=saver).invoke(start(), config(thread_id), durability="sync")
    return thread_id


def test_a_label_is_stored_with_the_first_checkpoint_and_listed(saver):
    thread_id = run_labelled(saver, "first")

    assert saver.get_thread(thread_id).label == "first"
    assert [(t.thread_id, t.label) for t in saver.list_threads()] == [(thread_id, "first")]


def test_a_thread_is_found_by_id_label_or_unique_prefix(saver):
    a = run_labelled(saver, "first", "aaaa1111-0000-4000-8000-000000000000")
    b = run_labelled(saver, "second", "aaaa2222-0000-4000-8000-000000000000")

    assert [resolve_thread(saver, given) for given in (a, "first", "aaaa1", "aaaa2", b)] == [
        a,
        a,
        a,
        b,
        b,
    ]
    with pytest.raises(InputError, match="'aaaa' matches several threads"):
        resolve_thread(saver, "aaaa")
    with pytest.raises(ThreadNotFound, match="no thread 'third' in this database"):
        resolve_thread(saver, "third")
    with pytest.raises(ThreadNotFound, match="no thread 'aaa' in this database"):
        resolve_thread(saver, "aaa")  # too short to be taken as a prefix


def test_two_threads_cannot_share_a_label(saver):
    first = run_labelled(saver, "first")
    other = run_labelled(saver, "second")

    with pytest.raises(InputError, match=f"thread first exists \\(it is {first}\\)"):
        saver.set_thread_label(other, "first")
    assert saver.get_thread(other).label == "second"
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
        execute_update(saver, "UPDATE threads SET label = 'first' WHERE thread_id = ?", other)


def execute_update(saver, sql: str, *params) -> None:
    with saver._write() as cur:  # past the saver's check: the unique index still refuses
        cur.execute(sql, params)


def test_a_run_that_finds_its_label_taken_meanwhile_stores_nothing(saver):
    first = run_labelled(saver, "first")
    late = str(uuid.uuid4())

    with pytest.raises(InputError, match=f"thread first exists \\(it is {first}\\)"):
        run_labelled(saver, "first", late)  # as two `run --thread first` started together
    assert saver.get_thread(late) is None
    assert saver.latest_checkpoint_id(late) is None


def test_a_readable_name_becomes_the_label_of_a_new_uuid_and_a_uuid_stays_the_id():
    given = "5D6E3C1A-93B4-4F0E-9B7C-2A1D3E4F5A6B"
    thread_id, label = new_thread("first")

    assert (str(uuid.UUID(thread_id)), label) == (thread_id, "first")
    assert new_thread(given) == (given.lower(), None)
    with pytest.raises(InputError, match="the thread name is empty"):
        new_thread(" ")


def old_sqlite_file(path) -> None:
    """A file as mirograph wrote it before labels: a finished thread with a readable id."""
    with open_checkpointer(path) as saver:
        build_loop(1).compile(checkpointer=saver).invoke(start(), config("legacy"))
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX threads_label")
        conn.execute("ALTER TABLE threads DROP COLUMN label")
    assert OLD_THREADS in DDL  # the column this file lacks is the one the schema adds


def test_an_old_file_is_read_as_it_is_and_gains_the_column_at_open(tmp_path):
    path = tmp_path / "old.sqlite"
    old_sqlite_file(path)
    before = path.read_bytes()

    with open_listing(path) as listing:
        assert [(t.thread_id, t.label) for t in listing.list_threads()] == [("legacy", None)]
        assert resolve_thread(listing, "legacy") == "legacy"
    with open_checkpointer(path, readonly=True) as saver:
        assert saver.get_thread("legacy").label is None
    assert path.read_bytes() == before

    with open_checkpointer(path) as saver:
        assert resolve_thread(saver, "legacy") == "legacy"
        labelled = run_labelled(saver, "first")
        assert [(t.thread_id, t.label) for t in saver.list_threads()] == [
            (labelled, "first"),
            ("legacy", None),
        ]


@pytest.mark.integration
def test_a_postgres_database_at_schema_1_is_migrated_once():
    with fresh_database() as url:
        query(url, PG_DDL.replace(OLD_THREADS, "\n"))
        query(url, "INSERT INTO mirograph_schema (version) VALUES (1)")
        query(
            url,
            "INSERT INTO threads (thread_id, created_at, updated_at) VALUES ('legacy', 'x', 'x')",
        )

        with open_checkpointer(url) as saver:
            labelled = run_labelled(saver, "first")
            assert resolve_thread(saver, "legacy") == "legacy"
            assert resolve_thread(saver, "first") == labelled

        assert execute(url, "SELECT version FROM mirograph_schema") == [(SCHEMA_VERSION,)]
