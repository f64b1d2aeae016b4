"""One runner per thread: leases in the database."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mirograph.checkpoints import open_checkpointer
from mirograph.errors import ThreadBusy
from tests.checkpoints.conftest import execute


def test_second_acquire_while_the_holder_lives_raises(saver, db_path):
    busy = r"^Thread t1 is being advanced by another runner \(run pid \d+ on "
    with (
        saver.acquire_lease("t1", owner="run"),
        open_checkpointer(db_path) as other,
        pytest.raises(ThreadBusy, match=busy),
    ):
        other.acquire_lease("t1")


def test_lease_is_released_on_exit(saver):
    with saver.acquire_lease("t1"):
        pass

    with saver.acquire_lease("t1") as lease:
        assert lease.thread_id == "t1"


def test_lease_of_another_thread_is_independent(saver):
    with saver.acquire_lease("t1"), saver.acquire_lease("t2") as lease:
        assert lease.thread_id == "t2"


def test_lease_of_a_dead_process_is_taken_over(saver, db_path):
    code = (
        "import sys; from mirograph.checkpoints import open_checkpointer\n"
        "with open_checkpointer(sys.argv[1]) as s:\n"
        "    s.acquire_lease('t1', owner='crashed')  # never released: the process dies\n"
        "    import os; os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db_path)], check=True)

    with saver.acquire_lease("t1", owner="resume"):
        rows = execute(db_path, "SELECT owner FROM leases WHERE thread_id = ?", ("t1",))

    assert rows == [("resume",)]
