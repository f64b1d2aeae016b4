"""web_search with Tavily and ddgs against local servers and fakes: no network."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ddgs.engines.duckduckgo import Duckduckgo
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from langchain_core.tools import ToolException

from mirograph.errors import ConfigError
from mirograph.tools import RateLimiter, RetryPolicy, make_web_search, shared_rate_limiter

FAST = RetryPolicy(attempts=3, base_seconds=0.01, cap_seconds=0.05)
TAVILY_RESULTS = {
    "query": "q",
    "results": [
        {"title": "Python 3.6.0", "url": "https://www.python.org/downloads/release/python-360/",
         "content": "Python 3.6.0 is the newest   major release.", "score": 0.9},
        {"title": "What's New", "url": "https://docs.python.org/3/whatsnew/3.6.html",
         "content": "f-strings, variable annotations.", "score": 0.8},
    ],
}  # fmt: skip
DDG_HTML = """<html><body>
<div class="result results_links"><div class="links_main result__body">
<h2 class="result__title"><a class="result__a" href="https://example.org/a">Alpha page</a></h2>
<a class="result__snippet" href="https://example.org/a">About <b>alpha</b> things.</a>
</div></div>
<div class="result results_links"><div class="links_main result__body">
<h2 class="result__title"><a class="result__a" href="https://example.org/b">Beta page</a></h2>
<a class="result__snippet" href="https://example.org/b">Beta snippet.</a>
</div></div>
</body></html>"""


@dataclass
class Script:
    """Responses to send in order (status, body); the last one repeats."""

    responses: list[tuple[int, bytes]] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)


@pytest.fixture
def api() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            script.requests.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
            )
            status, payload = (
                script.responses.pop(0) if len(script.responses) > 1 else script.responses[0]
            )
            content_type = "text/html" if payload.startswith(b"<") else "application/json"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


def no_wait() -> RateLimiter:
    return RateLimiter(1000.0, 1000, sleep=lambda s: None)


def call(tool, query: str, max_results: int = 5):
    args = {"query": query, "max_results": max_results}
    return tool.invoke({"type": "tool_call", "id": "c", "name": tool.name, "args": args})


def tavily_tool(base_url: str, sleeps: list[float]):
    return make_web_search(
        "auto", api_key="tvly-test-key", tavily_base_url=base_url, retry=FAST,
        sleep=sleeps.append, rate_limiter=no_wait(),
    )  # fmt: skip


def test_tavily_results_become_text_and_sources(api):
    base_url, script = api
    script.responses[:] = [(200, json.dumps(TAVILY_RESULTS).encode())]
    message = call(tavily_tool(base_url, []), "python 3.6", max_results=2)
    assert message.content == (
        "1. Python 3.6.0\n   https://www.python.org/downloads/release/python-360/\n"
        "   Python 3.6.0 is the newest major release.\n"
        "2. What's New\n   https://docs.python.org/3/whatsnew/3.6.html\n"
        "   f-strings, variable annotations."
    )
    assert message.artifact == {
        "sources": [
            {
                "url": "https://www.python.org/downloads/release/python-360/",
                "title": "Python 3.6.0",
                "read": False,
            },
            {
                "url": "https://docs.python.org/3/whatsnew/3.6.html",
                "title": "What's New",
                "read": False,
            },
        ]
    }
    assert script.requests[0]["auth"] == "Bearer tvly-test-key"
    assert json.loads(script.requests[0]["body"])["max_results"] == 2


def test_tavily_429_is_retried_then_succeeds(api):
    base_url, script = api
    ok = (200, json.dumps(TAVILY_RESULTS).encode())
    script.responses[:] = [(429, b'{"detail": {"error": "slow down"}}'), ok]
    sleeps: list[float] = []
    message = call(tavily_tool(base_url, sleeps), "python")
    assert message.artifact["sources"][0]["title"] == "Python 3.6.0"
    assert len(script.requests) == 2
    assert len(sleeps) == 1


def test_tavily_permanent_5xx_becomes_an_error_without_the_key(api):
    base_url, script = api
    script.responses[:] = [(503, b"unavailable")]
    with pytest.raises(ToolException) as caught:
        call(tavily_tool(base_url, []), "python")
    assert str(caught.value) == (
        "web_search (tavily) failed: HTTP 503; try again later or rephrase the query."
    )
    assert len(script.requests) == FAST.attempts


def test_tavily_bad_key_is_not_retried(api):
    base_url, script = api
    script.responses[:] = [(401, b'{"detail": {"error": "Unauthorized: invalid API key"}}')]
    with pytest.raises(ToolException, match=r"^web_search \(tavily\) failed: InvalidAPIKeyError"):
        call(tavily_tool(base_url, []), "python")
    assert len(script.requests) == 1


def test_ddgs_parses_a_results_page_from_a_local_server(api, monkeypatch):
    base_url, script = api
    script.responses[:] = [(200, DDG_HTML.encode())]
    monkeypatch.setattr(Duckduckgo, "search_url", f"{base_url}/html/")
    tool = make_web_search("ddgs", ddgs_backend="duckduckgo", rate_limiter=no_wait())
    message = call(tool, "alpha", max_results=2)
    assert [s["url"] for s in message.artifact["sources"]] == [
        "https://example.org/a",
        "https://example.org/b",
    ]
    assert script.requests[0]["path"] == "/html/"


class FakeDDGS:
    """Stands in for `ddgs.DDGS`: raises the scripted errors, then returns rows."""

    def __init__(self, errors: list[Exception], rows: list[dict]) -> None:
        self.errors, self.rows, self.calls = errors, rows, 0

    def __call__(self) -> FakeDDGS:
        return self

    def text(self, query: str, *, max_results: int, backend: str) -> list[dict]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.rows[:max_results]


ROWS = [{"title": "Alpha", "href": "https://example.org/a", "body": "About alpha."}]


def ddgs_tool(fake: FakeDDGS, sleeps: list[float]):
    return make_web_search(
        "auto", ddgs_factory=fake, retry=FAST, sleep=sleeps.append, rate_limiter=no_wait()
    )


def test_ddgs_rate_limit_is_retried_then_succeeds():
    fake, sleeps = FakeDDGS([RatelimitException("202 Ratelimit")], ROWS), []
    message = call(ddgs_tool(fake, sleeps), "alpha")
    assert message.content == "1. Alpha\n   https://example.org/a\n   About alpha."
    assert (fake.calls, len(sleeps)) == (2, 1)


def test_ddgs_permanent_timeout_becomes_an_error():
    fake = FakeDDGS([TimeoutException("timed out")] * 5, ROWS)
    with pytest.raises(ToolException) as caught:
        call(ddgs_tool(fake, []), "alpha")
    assert str(caught.value) == (
        "web_search (ddgs) failed: TimeoutException; try again later or rephrase the query."
    )
    assert fake.calls == FAST.attempts


def test_ddgs_no_results_is_an_answer_not_an_error():
    fake = FakeDDGS([DDGSException("No results found.")], ROWS)
    message = call(ddgs_tool(fake, []), "zzqx")
    assert (message.content, message.artifact) == ("No results for 'zzqx'.", {"sources": []})


def test_auto_picks_tavily_with_a_key_and_ddgs_without():
    assert make_web_search("auto", api_key="k").metadata == {"backend": "tavily"}
    assert make_web_search("auto").metadata == {"backend": "ddgs"}


def test_tavily_without_a_key_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^The tavily search backend needs TAVILY_API_KEY"):
        make_web_search("tavily")


def test_rate_limiter_spaces_calls_beyond_the_burst():
    waits: list[float] = []
    limiter = RateLimiter(2.0, 1, clock=lambda: 100.0, sleep=waits.append)
    for _ in range(3):
        limiter.acquire()
    assert waits == [0.5, 1.0]


def test_backends_share_one_limiter_per_process():
    assert shared_rate_limiter("ddgs") is shared_rate_limiter("ddgs")
    assert shared_rate_limiter("ddgs") is not shared_rate_limiter("tavily")


def test_backoff_is_bounded_by_the_cap():
    policy = RetryPolicy(attempts=10, base_seconds=1.0, cap_seconds=4.0)
    assert max(policy.delay(n) for n in range(50)) <= 4.0
