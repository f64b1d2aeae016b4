"""Streaming: model tokens on `messages`, compact progress events on `custom`."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from mirograph.progress import is_progress_event
from mirograph.runner import Progress, run_thread

from .scenario import Scenario, settings

CONFIG = {"recursion_limit": 500}


@pytest.fixture(scope="module")
def chunks() -> list[tuple[str, object]]:
    scenario = Scenario(40)
    graph = scenario.graph()
    return list(
        graph.stream(
            {"question": "Which record?"},
            CONFIG,
            context=settings(8_000, 40),
            stream_mode=["messages", "custom"],
        )
    )


def test_planner_and_summarizer_output_stream_as_messages(chunks):
    nodes = {payload[1]["langgraph_node"] for mode, payload in chunks if mode == "messages"}
    assert {"planner", "summarizer"} <= nodes


def test_the_summary_streams_token_by_token(chunks):
    pieces = [
        message.content
        for mode, (message, meta) in [c for c in chunks if c[0] == "messages"]
        if meta["langgraph_node"] == "summarizer" and message.content
    ]
    assert pieces[:3] == ["Notes: ", "records ", "checked "]


def test_nodes_emit_tagged_progress_events(chunks):
    events = [c for mode, c in chunks if mode == "custom"]
    assert all(is_progress_event(e) for e in events)
    assert {(e["node"], e["last_action"]) for e in events} == {
        ("planner", "thinking"),
        ("summarizer", "summarizing"),
    }


def test_progress_events_carry_counts(chunks):
    planner = [c for mode, c in chunks if mode == "custom" and c["node"] == "planner"]
    assert [e["tool_calls_used"] for e in planner] == list(range(41))


def test_the_runner_shows_a_node_when_it_starts():
    seen: list[tuple[str, str, int]] = []

    def record(p: Progress) -> None:
        seen.append((p.node, p.last_action, p.view_tokens))

    scenario = Scenario(40)
    graph = scenario.graph(checkpointer=InMemorySaver())
    run_thread(
        graph, thread_id="t", settings=settings(8_000, 40), question="Q?", on_progress=record
    )
    assert ("summarizer", "summarizer: summarizing") in {(n, a) for n, a, _ in seen}


def test_the_runner_shows_the_view_tokens():
    seen: list[int] = []
    scenario = Scenario(3)
    run_thread(
        scenario.graph(checkpointer=InMemorySaver()),
        thread_id="t",
        settings=settings(8_000, 3),
        question="Q?",
        on_progress=lambda p: seen.append(p.view_tokens),
    )
    assert max(seen) > 3 * 1_000
