"""The official `langgraph-checkpoint-conformance` suite, base and optional capabilities,
on SQLite and on PostgreSQL (each saver the suite asks for gets a database of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES

from mirograph.checkpoints import SaverCore, aopen_checkpointer
from tests.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
def registered(request: pytest.FixtureRequest, tmp_path: Path):
    counter = iter(range(1000))

    @checkpointer_test(name=f"MirographSaver-{request.param}")
    async def factory() -> AsyncIterator[SaverCore]:
        if request.param == "sqlite":
            async with aopen_checkpointer(tmp_path / f"conformance-{next(counter)}.sqlite") as s:
                yield s
            return
        with fresh_database("mgconf") as url:
            async with aopen_checkpointer(url) as saver:
                yield saver

    return factory


async def test_every_capability_is_implemented_and_passes(registered) -> None:
    report = await validate(registered)

    outcome = {name: result.passed for name, result in report.results.items()}
    failures = [f for result in report.results.values() for f in result.failures]
    assert failures == []
    assert outcome == {cap.value: True for cap in ALL_CAPABILITIES}
