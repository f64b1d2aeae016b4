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


def wait_for(condition, what: str, seconds: float = 10.0) -> None:
    """Poll until `condition()`; a timeout fails the test."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def lease_row(db_path, thread_id: str):
    [row] = execute(
        db_path, "SELECT token, heartbeat_at FROM leases WHERE thread_id = ?", (thread_id,)
    )
    return row


def take_over(db_path, thread_id: str) -> None:
    """What another host's runner does once our lease looks stale: a new token."""
    execute(db_path, "UPDATE leases SET token = 'theirs' WHERE thread_id = ?", (thread_id,))


def test_the_heartbeat_runs_on_a_timer(saver, db_path):
    with saver.acquire_lease_with("t1", heartbeat_every=0.02):
        first = lease_row(db_path, "t1")[1]
        wait_for(lambda: lease_row(db_path, "t1")[1] > first, "a heartbeat")


def test_a_beat_notices_the_lease_was_taken_over(saver, db_path):
    from mirograph.checkpoints.leases import LeaseLost

    with saver.acquire_lease_with("t1", heartbeat_every=0.02) as lease:
        take_over(db_path, "t1")
        wait_for(lease.lost.is_set, "the beat to see the takeover")
        with pytest.raises(LeaseLost):
            lease.raise_if_lost()
    assert lease_row(db_path, "t1")[0] == "theirs"  # release does not undo a takeover


def test_a_runner_that_lost_its_lease_writes_nothing_more(saver, db_path):
    from mirograph.checkpoints.leases import LeaseLost
    from tests.checkpoints.conftest import build_loop, config, start

    graph = build_loop(3).compile(checkpointer=saver)
    with saver.acquire_lease_with("t1", heartbeat_every=None):
        graph.invoke(start(), config("t1"), durability="sync", interrupt_after=["planner"])
        before = len(list(saver.list(config("t1"))))
        take_over(db_path, "t1")
        with pytest.raises(LeaseLost, match=r"^Thread t1 was taken over by another runner"):
            graph.invoke(None, config("t1"), durability="sync")
    assert len(list(saver.list(config("t1")))) == before


def test_the_staleness_window_is_configurable(saver, db_path):
    import socket

    from mirograph.checkpoints.leases import Lease

    saver.acquire_lease_with("t1", heartbeat_every=None)
    # As if held on another host, 100 s ago.
    execute(db_path, "UPDATE leases SET hostname = 'elsewhere', heartbeat_at = heartbeat_at - 100")
    assert socket.gethostname() != "elsewhere"
    with pytest.raises(ThreadBusy):
        Lease.acquire(saver, "t1", "cli", stale_after=900)
    taken = Lease.acquire(saver, "t1", "cli", stale_after=60, heartbeat_every=None)
    assert lease_row(db_path, "t1")[0] == taken.token


class ReleasedMidCheck:
    """A cursor over which the run's own release (another thread) lands between the
    fence's token read and its row check, as the API server's background writes race the
    run's last checkpoint."""

    def __init__(self, cur, lease) -> None:
        self.cur = cur
        self.lease = lease

    def execute(self, sql, params):
        from mirograph.checkpoints.leases import fences

        fences(self.lease.saver).pop(self.lease.thread_id)
        self.cur.execute("DELETE FROM leases WHERE thread_id = ?", (self.lease.thread_id,))
        return self.cur.execute(sql, params)


def test_a_write_racing_its_own_release_is_not_a_takeover(saver, db_path):
    from mirograph.checkpoints.leases import check_fence

    lease = saver.acquire_lease_with("t1", heartbeat_every=None)
    with saver._write() as cur:
        check_fence(saver, ReleasedMidCheck(cur, lease), "t1")
    assert execute(db_path, "SELECT count(*) FROM leases") == [(0,)]
