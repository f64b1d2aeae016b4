"""Shared pieces of the verification tests: a loopback web server and a scripted run."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, tool
from langgraph.checkpoint.memory import InMemorySaver

from mirograph import ResearchContext, ScriptedChatModel, build_research_graph

PAGES = Path(__file__).resolve().parents[1] / "data" / "webpages"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def page_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving tests/data/webpages; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(PAGES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@tool(response_format="content_and_artifact")
def fetch_page(url: str) -> tuple[str, dict[str, Any]]:
    """Return a page's text; the artifact declares the URL, as mirograph's tools do."""
    page = url.rsplit("/", 1)[-1]
    return f"Title: Page {page}\nURL: {url}\n\n{page} says the answer is 42.", {
        "sources": [{"url": url, "title": f"Page {page}"}]
    }


def call(name: str, **args: object) -> dict[str, Any]:
    return {"name": name, "args": args}


def run_graph(
    script: list[Any],
    settings: ResearchContext,
    *,
    tools: list[BaseTool] | None = None,
    model: BaseChatModel | None = None,
    verifier_model: BaseChatModel | None = None,
    question: str = "What is the answer?",
) -> tuple[dict[str, Any], BaseChatModel]:
    """Run the research graph to the end; return the final state and the planner model."""
    planner = model or ScriptedChatModel(keep_inputs=True, responses=script)
    graph = build_research_graph(
        model=planner,
        tools=[fetch_page] if tools is None else tools,
        verifier_model=verifier_model,
        checkpointer=InMemorySaver(),
    )
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"question": question}, config, context=settings)
    return dict(graph.get_state(config).values), planner


def verifier_messages(state: dict[str, Any]) -> list[HumanMessage]:
    return [m for m in state["messages"] if getattr(m, "name", None) == "verifier"]


def verdicts(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdicts recorded on the candidate answers, in order."""
    return [
        m.additional_kwargs["verdict"]
        for m in state["messages"]
        if isinstance(m, AIMessage) and "verdict" in m.additional_kwargs
    ]


def tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]
