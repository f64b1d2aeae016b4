"""The per-run page cache: a page read once is served from the transcript the second time."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph
from mirograph.answers.sources import collect_sources
from mirograph.branching import fork_at
from mirograph.checkpoints import open_checkpointer
from mirograph.nodes.executor import PAGE_CACHE_NOTE
from mirograph.tools import make_fetch_page
from mirograph.tools._retry import RetryPolicy

SETTINGS = ResearchContext(verify="off")
CONFIG = {"configurable": {"thread_id": "t"}}


def fetch(url: str) -> dict:
    return {"tool_calls": [{"name": "fetch_page", "args": {"url": url}}]}


@pytest.fixture
def run(web_server):
    """A run that reads a page, then asks for it again under another spelling of its URL
    (https, a fragment, a trailing slash: one page), then answers."""
    page = web_server.url("/pages/blog.python.org.html")
    again = page.replace("http://", "https://") + "/#downloads"
    tool = make_fetch_page(allow=["127.0.0.1/32"], timeout=5, retry=RetryPolicy(attempts=1))
    graph = build_research_graph(
        model=ScriptedChatModel(responses=[fetch(page), fetch(again), "Python 3.6.0."]),
        tools=[tool],
        checkpointer=InMemorySaver(),
    )
    graph.invoke({"question": "Which Python?"}, CONFIG, context=SETTINGS)
    return graph, web_server, page


def results(values: dict) -> list[ToolMessage]:
    return [m for m in values["messages"] if isinstance(m, ToolMessage)]


def test_the_second_read_is_served_from_the_first_result_with_a_note(run):
    graph, server, page = run
    values = graph.get_state(CONFIG).values
    first, second = results(values)
    assert server.recorder.paths == ["/pages/blog.python.org.html"]
    note = PAGE_CACHE_NOTE.format(name="fetch_page", step=1)
    assert second.content == f"{note}\n\n{first.content}"
    assert second.artifact == first.artifact
    assert second.status == "success"
    assert [(s["url"], s["read"]) for s in collect_sources(values["messages"])] == [(page, True)]
    assert values["tool_calls_used"] == 2


def test_a_fork_before_the_second_read_replays_it_exactly_without_fetching(web_server, tmp_path):
    page = web_server.url("/pages/blog.python.org.html")
    again = page + "#downloads"

    def policy(messages: list) -> object:  # answers by what it holds, so a fork can re-run it
        done = sum(isinstance(m, ToolMessage) for m in messages)
        return [fetch(page), fetch(again)][done] if done < 2 else "Python 3.6.0."

    tool = make_fetch_page(allow=["127.0.0.1/32"], timeout=5, retry=RetryPolicy(attempts=1))
    with open_checkpointer(tmp_path / "db.sqlite") as saver:
        graph = build_research_graph(
            model=ScriptedChatModel(policy=policy), tools=[tool], checkpointer=saver
        )
        graph.invoke({"question": "Which Python?"}, CONFIG, context=SETTINGS)
        original = results(graph.get_state(CONFIG).values)[1]
        branch = fork_at(saver, "t", SETTINGS, step=1, new_thread_id="t-fork")
        branch_config = {"configurable": {"thread_id": branch}}
        graph.invoke(None, branch_config, context=SETTINGS)
        replayed = results(graph.get_state(branch_config).values)[1]
    assert replayed.content == original.content
    assert web_server.recorder.paths == ["/pages/blog.python.org.html"]


def test_the_same_arguments_are_still_a_repeat(web_server):
    page = web_server.url("/pages/blog.python.org.html")
    tool = make_fetch_page(allow=["127.0.0.1/32"], timeout=5, retry=RetryPolicy(attempts=1))
    graph = build_research_graph(
        model=ScriptedChatModel(responses=[fetch(page), fetch(page), "Done."]),
        tools=[tool],
        checkpointer=InMemorySaver(),
    )
    graph.invoke({"question": "q"}, CONFIG, context=SETTINGS)
    second = results(graph.get_state(CONFIG).values)[1]
    assert second.content.startswith("Not run: you already called fetch_page with these")
    assert web_server.recorder.paths == ["/pages/blog.python.org.html"]
