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

import contextlib
import json
import time
from collections.abc import Sequence
from urllib.parse import urljoin

import httpx
import trafilatura
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from mirograph.tools._retry import RetryPolicy, Sleep, TransientError, call_with_retry
from mirograph.tools.corpus import pdf_available
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
        target = check_url(str(request.url), self.allow, resolver=self.resolver)
        pinned = request.url.copy_with(host=target.addresses[0])
        extensions = dict(request.extensions)
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        # The Host header was set from the original URL when the request was built.
        pinned_request = httpx.Request(
            request.method,
            pinned,
            headers=request.headers,
            stream=request.stream,
            extensions=extensions,
        )
        return self.inner.handle_request(pinned_request)

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


def extract_main_text(body: bytes, url: str) -> tuple[str, str]:
    """(title, main text as markdown) of an HTML page; falls back to all visible text."""
    text = trafilatura.extract(
        body, url=url, output_format="markdown", include_comments=False, include_tables=True
    )
    if not text:
        text = trafilatura.html2txt(body)
    metadata = trafilatura.extract_metadata(body)
    title = (metadata.title if metadata is not None else None) or ""
    return title, text or ""


def _pdf_text(body: bytes) -> str:
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n\n".join(page.extract_text() or "" for page in reader.pages)


def _render(kind: str, body: bytes, url: str, encoding: str) -> tuple[str, str]:
    if kind == "html":
        return extract_main_text(body, url)
    text = body.decode(encoding or "utf-8", errors="replace")
    if kind == "json":
        # A cut or malformed JSON body is still useful as text.
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
    elif kind == "pdf":
        text = _pdf_text(body)
    return "", text


def make_fetch_page(
    allow: Sequence[str] = (),
    *,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    max_redirects: int = 5,
    retry: RetryPolicy = FETCH_RETRY,
    sleep: Sleep = time.sleep,
    resolver: Resolver = system_resolver,
) -> BaseTool:
    """A `fetch_page` tool; `allow` opens private hosts/CIDRs (e.g. `["127.0.0.1/32"]`)."""
    allow_list = AllowList(allow)
    transport = GuardedTransport(allow_list, resolver=resolver)
    client = httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/*;q=0.9,*/*;q=0.5"},
    )

    def fetch_once(url: str) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        current = url
        for _hop in range(max_redirects + 1):
            check_url(current, allow_list, resolver=resolver)  # clear error before any I/O
            with client.stream("GET", current) as response:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    current = urljoin(str(response.url), location)
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
                body, cut = _read_capped(response, max_bytes, deadline)
                encoding = response.encoding or "utf-8"
            title, text = _render(kind, body, current, encoding)
            header = [f"Title: {title}" if title else "", f"URL: {current}"]
            if cut:
                header.append(f"[page cut at {max_bytes} bytes]")
            content = "\n".join(line for line in header if line) + "\n\n" + text.strip()
            return content, {"sources": [{"url": current, "title": title or current}]}
        raise ToolException(f"fetch_page stopped after {max_redirects} redirects from {url}")

    def is_transient(exc: BaseException) -> bool:
        return isinstance(exc, TransientError | httpx.TimeoutException | httpx.NetworkError)

    def fetch_page(url: str) -> tuple[str, dict]:
        try:
            return call_with_retry(
                lambda: fetch_once(url), policy=retry, is_transient=is_transient, sleep=sleep
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
            "Fetch a web page (or a text/JSON document) by URL and return its title and main "
            "text as markdown, without navigation and boilerplate."
        ),
        args_schema=FetchPageArgs,
        response_format="content_and_artifact",
    )
