"""A 20,000-checkpoint lineage: history and delta replay reach the root in one walk.

(The stock Postgres saver returns empty delta history past 1,024 ancestors.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from langgraph.checkpoint.base import empty_checkpoint

from mirograph.checkpoints import SaverCore, open_checkpointer

DEPTH = 20_000
WRITE_EVERY = 10


def build_chain(saver: SaverCore, thread_id: str, depth: int) -> list[str]:
    """`depth` checkpoints, each the parent of the next; every 10th has a `log` write.

    The chain is linked by ids made up front, so the puts can run from many threads.
    """
    checkpoints = []
    for step in range(depth):
        checkpoint = empty_checkpoint()
        checkpoint["channel_versions"] = {"log": step + 1}
        checkpoints.append(checkpoint)
    ids = [c["id"] for c in checkpoints]

    def put(step: int) -> None:
        conf = {"thread_id": thread_id, "checkpoint_ns": ""}
        if step:
            conf["checkpoint_id"] = ids[step - 1]
        meta = {"source": "loop", "step": step, "parents": {}}
        written = saver.put({"configurable": conf}, checkpoints[step], meta, {"log": step + 1})
        if step % WRITE_EVERY == 0:
            saver.put_writes(written, [("log", f"entry {step}")], task_id=f"task-{step}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(depth)))
    return ids


@pytest.mark.slow
def test_history_and_delta_replay_cover_20000_ancestors(db_path):
    # What is tested is reading a deep lineage, not durable writing: PostgreSQL may skip
    # waiting for each of the 40,000 commits to reach the disk.
    fast = (
        f"{db_path}?options=-c%20synchronous_commit%3Doff" if isinstance(db_path, str) else db_path
    )
    with open_checkpointer(fast) as saver:
        check_deep_lineage(saver)


def check_deep_lineage(saver: SaverCore) -> None:
    ids = build_chain(saver, "deep", DEPTH)
    leaf = {"configurable": {"thread_id": "deep", "checkpoint_ns": "", "checkpoint_id": ids[-1]}}

    steps = saver.history("deep", ids[-1])
    replay = saver.get_delta_channel_history(config=leaf, channels=["log"])

    assert [s.checkpoint_id for s in steps] == ids
    assert [s.step for s in steps] == list(range(DEPTH))
    assert [w[2] for w in replay["log"]["writes"]] == [
        f"entry {i}" for i in range(0, DEPTH - 1, WRITE_EVERY)
    ]
