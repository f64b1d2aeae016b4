"""What only the PostgreSQL saver has to get right: many processes starting at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mirograph.checkpoints import open_checkpointer
from mirograph.checkpoints._pg_schema import SCHEMA_VERSION
from tests.checkpoints.conftest import build_loop, config, execute, start
from tests.postgres import fresh_database


def test_many_savers_starting_at_once_create_the_schema_once():
    with fresh_database() as url:

        def start(i: int) -> int:
            with open_checkpointer(url) as saver:
                saver.set_thread_settings(f"t{i}", {"n": i})
                return len(saver.list_threads())

        with ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(start, range(8)))

        assert max(counts) == 8
        assert execute(url, "SELECT version FROM mirograph_schema") == [(SCHEMA_VERSION,)]


def test_a_current_schema_is_not_written_to_on_open():
    with fresh_database() as url:
        with open_checkpointer(url):
            pass
        before = execute(url, "SELECT xmin::text FROM mirograph_schema")

        with open_checkpointer(url):
            pass

        assert execute(url, "SELECT xmin::text FROM mirograph_schema") == before


def test_a_version_2_database_gains_next_nodes_and_keeps_its_threads():
    with fresh_database() as url:
        with open_checkpointer(url) as saver:
            build_loop(2).compile(checkpointer=saver).invoke(start(), config("t"))
            expected = saver.history("t")
        execute(url, "ALTER TABLE checkpoints DROP COLUMN next_nodes")
        execute(url, "UPDATE mirograph_schema SET version = 2")

        with open_checkpointer(url) as saver:
            assert saver.history("t") == expected
            assert execute(url, "SELECT version FROM mirograph_schema") == [(SCHEMA_VERSION,)]
            assert execute(url, "SELECT count(*) FROM checkpoints WHERE next_nodes IS NULL") == [
                (len(expected),)
            ]
