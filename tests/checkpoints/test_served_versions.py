"""Issue 15: a thread the CLI wrote (integer channel versions) run on by `langgraph dev`,
whose checkpointer adapter numbers versions with the stock padded strings, failed with
`TypeError: '>' not supported between instances of 'str' and 'int'`; the server's saver
(`studio_checkpointer`) reads integer versions as those strings."""

from __future__ import annotations

import random

import pytest

from mirograph.checkpoints._versions import as_string, serve_string_versions
from tests.checkpoints.conftest import build_loop, config, start


def adapter_next_version(current, channel=None) -> str:
    """What `langgraph_api`'s checkpointer adapter gives a run, whatever the saver's own."""
    number = (
        0
        if current is None
        else current
        if isinstance(current, int)
        else int(current.split(".")[0])
    )
    return f"{number + 1:032}.{random.random():.16f}"


def cli_thread(saver) -> None:
    build_loop(2).compile(checkpointer=saver).invoke(start(), config("t"), durability="sync")
    versions = saver.get_tuple(config("t")).checkpoint["channel_versions"]
    assert {type(v) for v in versions.values()} == {int}


def test_the_server_running_a_cli_thread_on_mixed_versions_raises(saver, monkeypatch):
    cli_thread(saver)
    monkeypatch.setattr(saver, "get_next_version", adapter_next_version)

    with pytest.raises(TypeError, match="'>' not supported between instances of 'str' and 'int'"):
        build_loop(4).compile(checkpointer=saver).invoke(start("more?"), config("t"))


def test_the_served_saver_runs_a_cli_thread_on_with_string_versions(saver, monkeypatch):
    cli_thread(saver)
    served = serve_string_versions(saver)
    monkeypatch.setattr(served, "get_next_version", adapter_next_version)

    result = build_loop(4).compile(checkpointer=served).invoke(start("more?"), config("t"))

    assert result["tool_calls_used"] == 4
    head = served.get_tuple(config("t")).checkpoint
    assert {type(v) for v in head["channel_versions"].values()} == {str}
    assert as_string(7) < as_string(10) == f"{10:032}.{0.0:.16f}"  # same order as the ints
