"""fetch_page against a real HTTP server on 127.0.0.1 serving real-world pages."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import ToolException

from mirograph.tools import make_fetch_page
from mirograph.tools._retry import RetryPolicy
from tests.fixtures.pdf import make_pdf
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
    assert message.artifact == {"sources": [{"url": url, "title": title, "read": True}]}
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
    with pytest.raises(ToolException, match=r"^fetch_page timed out after 0.5 s on "):
        call(tool, web_server.url("/stall"))
    assert not web_server.recorder.stall_over.is_set()  # it gave up; the server still stalls


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


# 127.0.0.2 and 127.0.0.3 are loopback addresses nothing listens on (connection refused).
LOOPBACK_NET = pytest.mark.allow_hosts(["127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"])


@LOOPBACK_NET
@pytest.mark.parametrize("dead", ["127.0.0.2", "::1"], ids=["refused-v4", "no-v6-listener"])
def test_every_resolved_address_is_tried_in_turn(web_server, dead):
    """A name whose first address does not answer (a dual-stack site seen from an IPv4-only
    host) is fetched from the next one; both addresses pass the SSRF guard first."""
    resolved: list[str] = []

    def dual_stack(host: str, port: int) -> list[str]:
        resolved.append(host)
        return [dead, "127.0.0.1"]

    tool = make_fetch_page(
        allow=["127.0.0.0/8", "::1/128"], timeout=5, retry=NO_RETRY, resolver=dual_stack
    )
    url = web_server.url("/pages/blog.python.org.html", host="dual.example")
    message = call(tool, url)
    assert "We hope you enjoy Python 3.6.0!" in message.content
    assert web_server.recorder.hosts == [f"dual.example:{web_server.port}"]
    assert set(resolved) == {"dual.example"}


@LOOPBACK_NET
def test_no_address_answering_is_one_error(web_server):
    tool = make_fetch_page(
        allow=["127.0.0.0/8"],
        timeout=5,
        retry=NO_RETRY,
        resolver=lambda host, port: ["127.0.0.2", "127.0.0.3"],
    )
    url = web_server.url("/pages/blog.python.org.html", host="nowhere.example")
    with pytest.raises(ToolException) as caught:
        call(tool, url)
    assert str(caught.value) == f"fetch_page failed on {url}: ConnectError"
    assert web_server.recorder.paths == []


def test_the_connection_is_closed_when_the_call_returns(fetch_page, web_server):
    call(fetch_page, web_server.url("/data.json"))
    assert web_server.recorder.closed.acquire(timeout=10), "the client kept the connection"


def test_a_body_slower_to_parse_than_the_limit_is_an_error_and_the_next_parse_works(web_server):
    slow = make_fetch_page(allow=LOOPBACK, timeout=5, parse_timeout=0.001, retry=NO_RETRY)
    url = web_server.url("/pages/theguardian.com.academics.html")  # 0.7 MB of HTML
    with pytest.raises(ToolException) as caught:
        call(slow, url)
    assert str(caught.value) == f"fetch_page gave up extracting the text of {url} after 0.001 s"
    normal = make_fetch_page(allow=LOOPBACK, timeout=5, retry=NO_RETRY)
    assert "But a spokesperson for" in call(normal, url).content


def test_a_pdf_is_fetched_as_its_text(fetch_page, web_server):
    web_server.recorder.pdf = make_pdf(["Quarterly report", "Revenue grew 12 percent."])
    message = call(fetch_page, web_server.url("/doc.pdf"))
    assert message.content == (
        f"URL: {web_server.url('/doc.pdf')}\n\nQuarterly report\n\nRevenue grew 12 percent."
    )


def test_a_corrupt_pdf_is_an_error_naming_it(fetch_page, web_server):
    web_server.recorder.pdf = b"%PDF-1.4\nthis is not really a pdf"
    url = web_server.url("/doc.pdf")
    with pytest.raises(ToolException, match=rf"^fetch_page could not read the pdf at {url}: "):
        call(fetch_page, url)
