"""fetch_page against a real HTTP server on 127.0.0.1 serving real-world pages."""

from __future__ import annotations

import time

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import ToolException

from mirograph.tools import make_fetch_page
from mirograph.tools._retry import RetryPolicy
from tests.tools.conftest import BIG_BODY_BYTES, EXPECTED

LOOPBACK = ["127.0.0.1/32"]
NO_RETRY = RetryPolicy(attempts=1)


def call(tool, url: str) -> ToolMessage:
    """Invoke as the executor does, so content and artifact are both returned."""
    return tool.invoke({"type": "tool_call", "id": "c1", "name": tool.name, "args": {"url": url}})


@pytest.fixture(scope="module")
def fetch_page():
    return make_fetch_page(allow=LOOPBACK, timeout=5, retry=NO_RETRY)


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_main_text_has_article_sentences_and_no_boilerplate(fetch_page, web_server, page):
    message = call(fetch_page, web_server.url(f"/pages/{page}"))
    missing = [s for s in EXPECTED[page]["with"] if s not in message.content]
    leaked = [s for s in EXPECTED[page]["without"] if s in message.content]
    assert (missing, leaked) == ([], [])


def test_artifact_records_final_url_and_title(fetch_page, web_server):
    url = web_server.url("/pages/en.wikipedia.org.tsne.html")
    message = call(fetch_page, url)
    title = "T-distributed stochastic neighbor embedding"
    assert message.artifact == {"sources": [{"url": url, "title": title}]}
    assert message.content.startswith(f"Title: {title}\nURL: {url}\n\n")


def test_redirect_within_allowed_hosts_reports_final_url(fetch_page, web_server):
    target = web_server.url("/pages/blog.python.org.html")
    message = call(fetch_page, web_server.url(f"/redirect?to={target}"))
    assert message.artifact["sources"][0]["url"] == target


def test_fifty_megabyte_body_is_cut_at_the_cap(web_server):
    tool = make_fetch_page(allow=LOOPBACK, timeout=5, max_bytes=1_000_000, retry=NO_RETRY)
    message = call(tool, web_server.url("/big"))
    assert "[page cut at 1000000 bytes]" in message.content
    assert message.content.count("x" * 1023) == 1_000_000 // 1024
    assert web_server.recorder.big_bytes_sent < BIG_BODY_BYTES


def test_stalled_server_hits_the_timeout(web_server):
    tool = make_fetch_page(allow=LOOPBACK, timeout=0.5, retry=NO_RETRY)
    started = time.monotonic()
    with pytest.raises(ToolException, match=r"^fetch_page timed out after 0.5 s on "):
        call(tool, web_server.url("/stall"))
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("path", ["/image.png"])
def test_non_text_content_type_is_refused(fetch_page, web_server, path):
    with pytest.raises(ToolException) as caught:
        call(fetch_page, web_server.url(path))
    assert str(caught.value) == (
        f"fetch_page refused {web_server.url(path)}: content type 'image/png' "
        "is not html, text or json"
    )


def test_json_is_returned_as_text(fetch_page, web_server):
    message = call(fetch_page, web_server.url("/data.json"))
    assert message.content.endswith('{\n "answer": 42,\n "unit": "widgets"\n}')


def test_http_error_status_is_an_error_result(fetch_page, web_server):
    with pytest.raises(ToolException, match=r"^fetch_page got HTTP 404 from "):
        call(fetch_page, web_server.url("/missing"))


def test_server_error_is_retried_then_succeeds(web_server):
    sleeps: list[float] = []
    tool = make_fetch_page(allow=LOOPBACK, timeout=5, sleep=sleeps.append)
    web_server.recorder.scripted[:] = [503]
    message = call(tool, web_server.url("/flaky"))
    assert message.content.endswith("status 200")
    assert len(sleeps) == 1
    assert web_server.recorder.paths == ["/flaky", "/flaky"]
