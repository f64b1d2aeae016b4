"""Channel versions as LangGraph's API server writes them, for the threads it runs on.

mirograph's saver numbers channel versions with plain integers (`get_next_version`), but
`langgraph dev` wraps every custom checkpointer in an adapter whose own
`get_next_version` always returns the stock padded strings (`"000…0007.0.5213…"`). A
thread the CLI wrote (integers) and the server then runs on gets string versions beside
the integer ones, and LangGraph's `new > seen` comparisons raise
`TypeError: '>' not supported between instances of 'str' and 'int'`.

A saver opened for the server (`studio_checkpointer`) therefore hands out checkpoints with
integer versions rewritten in the stock string form: same order (the number is padded to
32 digits, as the adapter pads it), one type per checkpoint. What it writes back is all
strings, which the CLI's `get_next_version` continues; older checkpoints stay as stored.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import CheckpointTuple

_FLAG = "_string_versions"


def serve_string_versions(saver: Any) -> Any:
    """Make `saver` read integer channel versions as the API server's strings."""
    saver.__dict__[_FLAG] = True
    return saver


def as_string(version: Any) -> Any:
    """An integer version in the stock form; strings (and anything else) as they are."""
    if isinstance(version, int) and not isinstance(version, bool):
        return f"{version:032}.{0.0:.16f}"
    return version


def for_reader(saver: Any, tuples: list[CheckpointTuple]) -> list[CheckpointTuple]:
    """`tuples` as this saver's reader expects them (unchanged unless it serves the API)."""
    if not saver.__dict__.get(_FLAG):
        return tuples
    return [_with_string_versions(t) for t in tuples]


def _with_string_versions(saved: CheckpointTuple) -> CheckpointTuple:
    checkpoint = saved.checkpoint
    versions = checkpoint.get("channel_versions") or {}
    seen = checkpoint.get("versions_seen") or {}
    if not any(isinstance(v, int) for v in versions.values()) and not any(
        isinstance(v, int) for node in seen.values() for v in node.values()
    ):
        return saved
    checkpoint = {
        **checkpoint,
        "channel_versions": {k: as_string(v) for k, v in versions.items()},
        "versions_seen": {n: {k: as_string(v) for k, v in s.items()} for n, s in seen.items()},
    }
    return saved._replace(checkpoint=checkpoint)  # type: ignore[arg-type]
