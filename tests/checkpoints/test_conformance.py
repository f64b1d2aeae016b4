"""The official `langgraph-checkpoint-conformance` suite, base and optional capabilities."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES

from mirograph.checkpoints import MirographSaver, aopen_checkpointer


@pytest.fixture
def registered(tmp_path: Path):
    counter = iter(range(1000))

    @checkpointer_test(name="MirographSaver")
    async def factory() -> AsyncIterator[MirographSaver]:
        async with aopen_checkpointer(tmp_path / f"conformance-{next(counter)}.sqlite") as saver:
            yield saver

    return factory


async def test_every_capability_is_implemented_and_passes(registered) -> None:
    report = await validate(registered)

    outcome = {name: result.passed for name, result in report.results.items()}
    failures = [f for result in report.results.values() for f in result.failures]
    assert failures == []
    assert outcome == {cap.value: True for cap in ALL_CAPABILITIES}
