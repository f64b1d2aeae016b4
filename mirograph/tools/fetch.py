"""`fetch_page(url)`: fetch a page and hand the model its main text, behind the SSRF guard.

Limits exist because the model picks the URL: a time limit per read and overall, a redirect
limit, a cap on the (decoded) body that is enforced while streaming, and a content-type
check so images and archives are refused rather than fed to the model. Main text comes
from trafilatura (navigation, scripts, footers dropped) as markdown-ish text with the title.

Every request, including each redirect hop, goes through `GuardedTransport`, which vets the
URL with `ssrf.check_url` and then connects to the vetted IP address itself (Host header and
TLS SNI keep the original name), so there is no window for DNS rebinding. Environment proxies
are ignored: a proxy would connect on our behalf to an address we never checked.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from mirograph.tools._parse import POOL, ParseFailed, ParseTimeout
from mirograph.tools._retry import RetryPolicy, Sleep, TransientError, call_with_retry
from mirograph.tools.extract import pdf_available
from mirograph.tools.ssrf import AllowList, BlockedURL, Resolver, check_url, system_resolver

USER_AGENT = "mirograph/0.1 (research agent; +https://github.com/mirograph)"
FETCH_RETRY = RetryPolicy(attempts=2)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/ld+json")


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that connects only to addresses the SSRF guard accepted."""

    def __init__(
        self,
        allow: AllowList,
        *,
        resolver: Resolver = system_resolver,
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self.allow = allow
        self.resolver = resolver
        self.inner = inner or httpx.HTTPTransport(trust_env=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Connect to the vetted addresses in turn (IPv6 first where the resolver says so):
        a dual-stack name still loads from an IPv4-only host. The connect time limit is
        shared among them, so a dead first address cannot use up all of it."""
        target = check_url(str(request.url), self.allow, resolver=self.resolver)
        extensions = dict(request.extensions)
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        if len(target.addresses) > 1:
            timeouts = dict(extensions.get("timeout", {}))
            if timeouts.get("connect"):
                timeouts["connect"] = max(1.0, timeouts["connect"] / len(target.addresses))
            extensions["timeout"] = timeouts
        failure: httpx.TransportError | None = None
        for address in target.addresses:
            # The Host header was set from the original URL when the request was built.
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=address),
                headers=request.headers,
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return self.inner.handle_request(pinned)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc  # nothing was sent: the next address may answer
        assert failure is not None  # check_url returns at least one address
        raise failure

    def close(self) -> None:
        self.inner.close()


class FetchPageArgs(BaseModel):
    url: str = Field(description="Absolute http(s) URL of the page to read.")


def _kind(content_type: str) -> str | None:
    """'html', 'text', 'json', 'pdf' or None (refused) for a Content-Type header."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if not mime or mime in _HTML_TYPES:
        return "html"
    if mime == "application/json" or mime.endswith("+json"):
        return "json"
    if mime.startswith(_TEXT_TYPES) or mime.endswith("+xml"):
        return "text"
    if mime == "application/pdf" and pdf_available():
        return "pdf"
    return None


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> tuple[bytes, bool]:
    """Read at most `max_bytes` of the decoded body; True when the body was cut."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("overall fetch deadline passed")
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False


@dataclass(frozen=True)
class _Limits:
    timeout: float
    parse_timeout: float
    max_bytes: int
    max_redirects: int


def _fetch_once(
    client: httpx.Client, url: str, allow: AllowList, resolver: Resolver, limits: _Limits
) -> tuple[str, dict]:
    deadline = time.monotonic() + limits.timeout
    current = url
    for _hop in range(limits.max_redirects + 1):
        check_url(current, allow, resolver=resolver)  # clear error before any I/O
        with client.stream("GET", current) as response:
            if response.is_redirect:
                current = urljoin(str(response.url), response.headers.get("location", ""))
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                raise TransientError(f"fetch_page got HTTP {status} from {url}")
            if status >= 400:
                raise ToolException(f"fetch_page got HTTP {status} from {current}")
            content_type = response.headers.get("content-type", "")
            kind = _kind(content_type)
            if kind is None:
                raise ToolException(
                    f"fetch_page refused {current}: content type {content_type!r} "
                    "is not html, text or json"
                )
            body, cut = _read_capped(response, limits.max_bytes, deadline)
            encoding = response.encoding or "utf-8"
        title, text = _parse(kind, body, current, encoding, limits.parse_timeout)
        header = [f"Title: {title}" if title else "", f"URL: {current}"]
        if cut:
            header.append(f"[page cut at {limits.max_bytes} bytes]")
        content = "\n".join(line for line in header if line) + "\n\n" + text.strip()
        return content, {"sources": [{"url": current, "title": title or current, "read": True}]}
    raise ToolException(f"fetch_page stopped after {limits.max_redirects} redirects from {url}")


def _parse(kind: str, body: bytes, url: str, encoding: str, seconds: float) -> tuple[str, str]:
    """Text of a body, in a worker process killed after `seconds` (see `_parse`)."""
    try:
        return POOL.render(kind, body, url, encoding, timeout=seconds)
    except ParseTimeout:
        raise ToolException(
            f"fetch_page gave up extracting the text of {url} after {seconds:g} s"
        ) from None
    except ParseFailed as exc:
        raise ToolException(f"fetch_page could not read the {kind} at {url}: {exc}") from None


def make_fetch_page(
    allow: Sequence[str] = (),
    *,
    timeout: float = 20.0,
    parse_timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    max_redirects: int = 5,
    retry: RetryPolicy = FETCH_RETRY,
    sleep: Sleep = time.sleep,
    resolver: Resolver = system_resolver,
) -> BaseTool:
    """A `fetch_page` tool; `allow` opens private hosts/CIDRs (e.g. `["127.0.0.1/32"]`).

    `timeout` bounds each network read and the whole download; `parse_timeout` the text
    extraction. Each call opens its own HTTP client and closes it before returning.
    """
    allow_list = AllowList(allow)
    limits = _Limits(timeout, parse_timeout, max_bytes, max_redirects)
    tls = ssl.create_default_context()  # built once: loading the CA bundle takes a while

    def fetch_page(url: str) -> tuple[str, dict]:
        inner = httpx.HTTPTransport(verify=tls, trust_env=False)
        with httpx.Client(
            transport=GuardedTransport(allow_list, resolver=resolver, inner=inner),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/*;q=0.9,*/*;q=0.5"},
        ) as client:
            try:
                return call_with_retry(
                    lambda: _fetch_once(client, url, allow_list, resolver, limits),
                    policy=retry,
                    is_transient=_is_transient,
                    sleep=sleep,
                )
            except (BlockedURL, ToolException):
                raise
            except TransientError as exc:
                raise ToolException(str(exc)) from exc
            except httpx.TimeoutException as exc:
                raise ToolException(f"fetch_page timed out after {timeout:g} s on {url}") from exc
            except httpx.HTTPError as exc:
                raise ToolException(f"fetch_page failed on {url}: {type(exc).__name__}") from exc

    return StructuredTool.from_function(
        func=fetch_page,
        name="fetch_page",
        description=(
            "Fetch a web page (or a text, JSON or PDF document) by URL and return its title "
            "and main text as markdown, without navigation and boilerplate."
        ),
        args_schema=FetchPageArgs,
        response_format="content_and_artifact",
    )


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TransientError | httpx.TimeoutException | httpx.NetworkError)
