"""The run's sources: every URL or `corpus://` URI a tool actually returned content for.

Sources are derived from the transcript, never accumulated on the side, so a resumed or
forked thread has exactly the sources of the messages it holds. How a tool reports them:

- a plain tool (a `@tool` returning text, an MCP tool): every `http(s)://` URL and
  `corpus://` URI in its successful result counts as retrieved, titled by itself, and as
  *seen*, not read (the text names the URL; whether it holds that page is unknown);
- a tool that wants titles, or that returns pages full of links it did not retrieve,
  declares its sources instead: `ToolMessage.artifact = {"sources": [{"url": ...,
  "title": ..., "read": ...}]}` (`response_format="content_and_artifact"`, return
  `(text, artifact)`); a result that declares sources is taken at its word, and its text
  is not scanned. `read` is True (the default) when the result holds the page or document
  itself (fetch_page), False when the URL was only seen in results (web_search and
  search_corpus hits, with a snippet).

A source is read once any result read it; its number and step stay those of its first
retrieval. Error results report nothing. A source's
`step` is the 1-based number of the tool call that first returned it (the same numbering
as the tool-call budget), and sources are numbered `n = 1..` in first-retrieval order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

from langchain_core.messages import AnyMessage, ToolMessage

from mirograph.state import Source
from mirograph.text import format_source
from mirograph.transcript import tool_results

__all__ = [
    "SourceIndex",
    "collect_sources",
    "evidence_for",
    "format_source",
    "pages_read",
    "source_key",
    "was_read",
]


def source_key(url: str) -> str:
    """A URL's identity for matching citations: case-insensitive scheme and host, http and
    https alike, no fragment, no trailing slash, no trailing punctuation from the prose."""
    url = url.strip().strip("<>").rstrip(".,;:!?'\")]}")
    parts = urlsplit(url)
    # Models write https for pages fetched over http and vice versa: the same page.
    scheme = "http" if parts.scheme.lower() == "https" else parts.scheme.lower()
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc.lower(), path, parts.query, ""))


def _declared(artifact: object) -> Iterator[tuple[str, str, bool]]:
    """(url, title, read) triples a tool artifact declares; anything else is ignored."""
    if not isinstance(artifact, dict):
        return
    for item in artifact.get("sources") or []:
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"].strip():
            url = item["url"].strip()
            title = item.get("title")
            title = title.strip() if isinstance(title, str) and title.strip() else url
            yield url, title, item.get("read") is not False


def was_read(source: Source) -> bool:
    """Whether a tool returned the source's page or document (not only a search snippet)."""
    return source.get("read", True)


# A URL in prose ends at whitespace, a quote, a bracket or markdown's `)`; trailing
# punctuation of the sentence is cut by `_clean`.
_URL = re.compile(r"""(?:https?|corpus)://[^\s<>"'`()\[\]{}|\\^]+""", re.IGNORECASE)


def _clean(url: str) -> str:
    return url.rstrip(".,;:!?*_~")


def _reported(message: ToolMessage) -> list[tuple[str, str, bool]]:
    """(url, title, read) triples one successful result reports: its declared sources, or,
    when it declares none, every URL and `corpus://` URI in its text (seen, not read)."""
    declared = list(_declared(message.artifact))
    if declared:
        return declared
    found = dict.fromkeys(_clean(m.group(0)) for m in _URL.finditer(message.text))
    return [
        (url, url, False) for url in found if urlsplit(url).netloc or url.startswith("corpus://")
    ]


def collect_sources(messages: Sequence[AnyMessage]) -> list[Source]:
    """The run's sources: deduplicated by URL, numbered in first-retrieval order."""
    found: dict[str, Source] = {}
    results = sorted(tool_results(messages), key=lambda pair: pair[0])  # stable: ties keep order
    for step, message in results:
        for url, title, read in _reported(message):
            key = source_key(url)
            if key not in found:
                found[key] = Source(
                    n=len(found) + 1,
                    title=title,
                    url=url,
                    tool=message.name or "",
                    step=step,
                    read=read,
                )
            elif read and not found[key]["read"]:
                # Read after it was seen in a search: keep its number, take the page's title.
                found[key] = {**found[key], "read": True, "title": title}
    return list(found.values())


class SourceIndex:
    """Look up recorded sources by URL (normalized) or number."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self._by_key = {source_key(s["url"]): s for s in self.sources}
        self._by_n = {s["n"]: s for s in self.sources}

    def by_url(self, url: str) -> Source | None:
        return self._by_key.get(source_key(url))

    def by_n(self, n: int) -> Source | None:
        return self._by_n.get(n)

    def __len__(self) -> int:
        return len(self.sources)


def evidence_for(messages: Sequence[AnyMessage], source: Source) -> str:
    """The content of the first successful tool result that read `source` (the page), else
    of the first that showed it (a search result with its snippet)."""
    key = source_key(source["url"])
    shown = ""
    for _step, message in tool_results(messages):
        for url, _title, read in _reported(message):
            if source_key(url) != key:
                continue
            if read:
                return message.text
            shown = shown or message.text
    return shown


CACHED_FROM = "served_from_call"
"""`response_metadata` key of a result served from an earlier read: that call's number."""


def pages_read(messages: Sequence[AnyMessage], tool: str) -> dict[str, tuple[int, ToolMessage]]:
    """Source key -> (call number, result) of the first result of `tool` that read each
    page — the run's page cache, kept in its transcript. Results served from the cache
    are not entries (the original read is)."""
    pages: dict[str, tuple[int, ToolMessage]] = {}
    for step, message in tool_results(messages):
        if message.name != tool or CACHED_FROM in message.response_metadata:
            continue
        for url, _title, read in _declared(message.artifact):
            if read:
                pages.setdefault(source_key(url), (step, message))
    return pages
