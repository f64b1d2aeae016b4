"""`web_search(query, max_results)`: Tavily with an API key, ddgs (keyless) otherwise.

The backend is chosen when the tool is built, never inside a call: the key is read at the
edge (`tools_from_settings`) and passed in, so a tool never looks at the environment.
Each backend call goes through the backend's shared rate limiter and bounded retries on
429/5xx/timeouts; a failure that outlasts the retries becomes a one-line `ToolException`
(no key, no response body) that the executor hands back to the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal, Protocol

import requests
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from mirograph.errors import ConfigError
from mirograph.tools._retry import (
    RateLimiter,
    RetryPolicy,
    Sleep,
    call_with_retry,
    shared_rate_limiter,
)

Backend = Literal["auto", "tavily", "ddgs"]
SearchHit = dict[str, str]  # title, url, snippet
SEARCH_RETRY = RetryPolicy()


class WebSearchArgs(BaseModel):
    query: str = Field(description="What to search the web for.")
    max_results: int = Field(default=5, ge=1, le=20, description="How many results (1-20).")


class _Searcher(Protocol):
    name: str

    def search(self, query: str, max_results: int) -> list[SearchHit]: ...

    def is_transient(self, exc: BaseException) -> bool: ...

    def failures(self) -> tuple[type[BaseException], ...]: ...


class TavilySearcher:
    """Tavily through `tavily-python`; `base_url` points it elsewhere (tests, proxies)."""

    name = "tavily"

    def __init__(self, api_key: str, *, base_url: str | None = None, timeout: float = 30) -> None:
        from tavily import TavilyClient

        self._client = TavilyClient(api_key=api_key, api_base_url=base_url)
        self._timeout = timeout

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        data = self._client.search(query, max_results=max_results, timeout=self._timeout)
        return [
            {
                "title": str(item.get("title") or ""),
                "url": str(item.get("url") or ""),
                "snippet": str(item.get("content") or ""),
            }
            for item in data.get("results", [])
        ]

    def is_transient(self, exc: BaseException) -> bool:
        from tavily.errors import TimeoutError as TavilyTimeout
        from tavily.errors import UsageLimitExceededError

        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            return exc.response.status_code >= 500
        return isinstance(
            exc,
            UsageLimitExceededError | TavilyTimeout | requests.ConnectionError | requests.Timeout,
        )

    def failures(self) -> tuple[type[BaseException], ...]:
        """Errors of the service or network; anything else is a bug and raises."""
        from tavily import errors

        return (
            requests.RequestException,
            errors.UsageLimitExceededError,
            errors.ForbiddenError,
            errors.InvalidAPIKeyError,
            errors.BadRequestError,
            errors.TimeoutError,
        )


class DdgsSearcher:
    """The keyless metasearch of `ddgs`; `factory` builds the client (tests inject one)."""

    name = "ddgs"

    def __init__(
        self,
        *,
        factory: Callable[[], Any] | None = None,
        backend: str = "auto",
        timeout: int = 10,
    ) -> None:
        if factory is None:

            def factory() -> Any:
                from ddgs import DDGS  # imported on first use: it loads many engines

                return DDGS(timeout=timeout)

        self._factory = factory
        self._backend = backend

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

        try:
            rows = self._factory().text(query, max_results=max_results, backend=self._backend)
        except (RatelimitException, TimeoutException):
            raise
        except DDGSException as exc:
            if "No results found" in str(exc):
                return []
            raise
        return [
            {
                "title": str(row.get("title") or ""),
                "url": str(row.get("href") or ""),
                "snippet": str(row.get("body") or ""),
            }
            for row in rows
        ]

    def is_transient(self, exc: BaseException) -> bool:
        from ddgs.exceptions import DDGSException

        # ddgs folds engine failures (HTTP errors, resets) into DDGSException.
        return isinstance(exc, DDGSException)

    def failures(self) -> tuple[type[BaseException], ...]:
        from ddgs.exceptions import DDGSException

        return (DDGSException,)


def format_results(query: str, hits: list[SearchHit]) -> str:
    """Compact text for the model: numbered title, URL and snippet."""
    if not hits:
        return f"No results for {query!r}."
    lines = []
    for number, hit in enumerate(hits, 1):
        snippet = " ".join(hit["snippet"].split())
        lines.append(f"{number}. {hit['title']}\n   {hit['url']}\n   {snippet}")
    return "\n".join(lines)


def make_web_search(
    backend: Backend = "auto",
    api_key: str | None = None,
    *,
    tavily_base_url: str | None = None,
    ddgs_factory: Callable[[], Any] | None = None,
    ddgs_backend: str = "auto",
    retry: RetryPolicy = SEARCH_RETRY,
    sleep: Sleep = time.sleep,
    rate_limiter: RateLimiter | None = None,
) -> BaseTool:
    """A `web_search` tool; `auto` is Tavily when `api_key` is given, else ddgs.

    `tavily_base_url`, `ddgs_factory` and `ddgs_backend` (a ddgs engine list such as
    "duckduckgo,brave") redirect the backends; `sleep` and `rate_limiter` are injectable so
    tests neither wait nor share state.
    """
    if backend == "auto":
        backend = "tavily" if api_key else "ddgs"
    searcher: _Searcher
    if backend == "tavily":
        if not api_key:
            raise ConfigError("The tavily search backend needs TAVILY_API_KEY to be set.")
        searcher = TavilySearcher(api_key, base_url=tavily_base_url)
    elif backend == "ddgs":
        searcher = DdgsSearcher(factory=ddgs_factory, backend=ddgs_backend)
    else:
        raise ConfigError(f"Unknown search backend {backend!r}; use auto, tavily or ddgs.")
    limiter = rate_limiter or shared_rate_limiter(searcher.name)

    def attempt(query: str, max_results: int) -> list[SearchHit]:
        limiter.acquire()
        return searcher.search(query, max_results)

    def web_search(query: str, max_results: int = 5) -> tuple[str, dict]:
        try:
            hits = call_with_retry(
                lambda: attempt(query, max_results),
                policy=retry,
                is_transient=searcher.is_transient,
                sleep=sleep,
            )
        except searcher.failures() as exc:
            raise ToolException(
                f"web_search ({searcher.name}) failed: {_describe(exc)}; try again later "
                "or rephrase the query."
            ) from exc
        hits = hits[:max_results]
        sources = [{"url": h["url"], "title": h["title"], "read": False} for h in hits if h["url"]]
        return format_results(query, hits), {"sources": sources}

    return StructuredTool.from_function(
        func=web_search,
        name="web_search",
        description=(
            "Search the web. Returns numbered results with title, URL and snippet; "
            "read a result in full with fetch_page."
        ),
        args_schema=WebSearchArgs,
        response_format="content_and_artifact",
        metadata={"backend": searcher.name},
    )


def _describe(exc: BaseException) -> str:
    """A one-line, secret-free description: status code or exception type, never bodies."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        return f"HTTP {status}"
    name = type(exc).__name__
    if name == "UsageLimitExceededError":
        return "rate limited (HTTP 429)"
    return name
