"""The SSRF guard: address checks without connecting, and loopback servers never reached.

Non-loopback addresses are only ever checked (`check_url` with a resolver that must not be
called for literals); requests are only sent to 127.0.0.1 servers, so a broken guard can
reach nothing beyond this machine.
"""

from __future__ import annotations

import pytest
from langchain_core.tools import ToolException

from mirograph.tools import make_fetch_page
from mirograph.tools._retry import RetryPolicy
from mirograph.tools.ssrf import AllowList, BlockedURL, blocked_reason, check_url, parse_ip_literal


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"an IP literal must not be resolved: {host}")


BLOCKED_LITERALS = [
    "http://127.0.0.1/",
    "http://127.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::]/",
    "https://[::ffff:169.254.169.254]:8443/",
]


@pytest.mark.parametrize("url", BLOCKED_LITERALS)
def test_private_and_special_addresses_are_refused_in_every_notation(url):
    with pytest.raises(BlockedURL, match=r"is not allowed \(private targets need the fetch"):
        check_url(url, resolver=no_dns)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("example.org", None),
    ],
)
def test_ip_literals_are_parsed_like_the_c_resolver_does(host, expected):
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed else None) == expected


def test_public_address_passes_without_resolving():
    target = check_url("https://93.184.215.14/page", resolver=no_dns)
    assert target.addresses == ("93.184.215.14",)


def test_name_resolving_to_a_private_address_is_refused():
    with pytest.raises(BlockedURL, match=r"private address 10\.1\.2\.3 is not allowed"):
        check_url("http://intranet.example/", resolver=lambda h, p: ["10.1.2.3"])


METADATA = "169.254.169.254"


def test_name_with_one_private_address_among_public_ones_is_refused():
    with pytest.raises(BlockedURL, match=r"link-local address 169\.254\.169\.254"):
        check_url(
            "http://mixed.example/", resolver=lambda h, p: ["93.184.215.14", "169.254.169.254"]
        )


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://example.org/f", "dict://x:11211/"],
)
def test_non_http_schemes_are_refused(url):
    with pytest.raises(BlockedURL, match=r"only http and https URLs can be fetched$"):
        check_url(url, resolver=no_dns)


def test_embedded_ipv4_is_judged_by_the_inner_address():
    reason = blocked_reason(parse_ip_literal("::ffff:10.0.0.1"))
    assert reason == "private address 10.0.0.1 (embedded in ::ffff:a00:1)"


def test_allow_list_opens_cidrs_hosts_and_host_ports_only():
    allow = AllowList(["10.0.0.0/8", "wiki.corp", "127.0.0.1:8080"])
    ip = parse_ip_literal
    assert allow.allows("10.9.9.9", ip("10.9.9.9"), 80)
    assert allow.allows("WIKI.corp.", ip("192.168.0.7"), 443)
    assert allow.allows("127.0.0.1", ip("127.0.0.1"), 8080)
    assert not allow.allows("127.0.0.1", ip("127.0.0.1"), 8081)
    assert not allow.allows("other.corp", ip("192.168.0.7"), 443)


LOOPBACK_FORMS = ["127.1", "0x7f000001", "2130706433", "[::ffff:127.0.0.1]", "0.0.0.0", "localhost"]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_default_fetch_page_never_reaches_a_loopback_server(web_server, host):
    tool = make_fetch_page(timeout=2, retry=RetryPolicy(attempts=1))
    with pytest.raises(ToolException, match=r"^fetch_page refused .* is not allowed"):
        tool.invoke({"url": web_server.url("/pages/blog.python.org.html", host=host)})
    assert web_server.recorder.paths == []


def test_redirect_from_allowed_host_to_other_loopback_port_is_refused(make_server):
    allowed, blocked = make_server(), make_server()
    tool = make_fetch_page(allow=[f"127.0.0.1:{allowed.port}"], retry=RetryPolicy(attempts=1))
    target = blocked.url("/pages/blog.python.org.html")
    with pytest.raises(ToolException, match=rf"^fetch_page refused '{target}': loopback"):
        tool.invoke({"url": allowed.url(f"/redirect?to={target}")})
    assert allowed.recorder.paths == [f"/redirect?to={target}"]
    assert blocked.recorder.paths == []


def test_connection_goes_to_the_checked_address_with_the_host_header_kept(web_server):
    tool = make_fetch_page(
        allow=["docs.intranet"],
        resolver=lambda host, port: ["127.0.0.1"],
        retry=RetryPolicy(attempts=1),
    )
    tool.invoke({"url": web_server.url("/pages/blog.python.org.html", host="docs.intranet")})
    assert web_server.recorder.hosts == [f"docs.intranet:{web_server.port}"]


def test_dns_rebinding_between_check_and_connect_is_caught(web_server):
    """The first lookup says public, the next says loopback: no request may arrive."""
    answers = iter([["93.184.215.14"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    tool = make_fetch_page(resolver=rebinding, retry=RetryPolicy(attempts=1))
    with pytest.raises(ToolException, match=r"loopback address 127\.0\.0\.1 is not allowed"):
        tool.invoke({"url": web_server.url("/pages/blog.python.org.html", host="localhost")})
    assert web_server.recorder.paths == []
