"""MCP sessions that live as long as a run: one per server, shared by every call.

Starting a stdio server costs about a second (a Python interpreter, imports, the MCP
handshake); MiroThinker's users lost minutes per task to a fresh subprocess per call. Here
each server gets one session, opened on first use (listing its tools is that first use),
reused by sequential and parallel calls, reopened once when the server has died (a call
it died during is reported, not repeated: it may have run), and closed by `close()` — the
CLI closes it when a run ends or pauses; the next call after a close opens a new session.

MCP sessions are bound to the event loop (and task) that opened them, while a run calls
tools from worker threads, each with its own short-lived loop. So the sessions live on a
private loop in a daemon thread; calls from any thread or loop are handed to it. Each
session is held open by one "keeper" task, because the SDK's context managers must be
entered and left in the same task.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
import weakref
from collections import Counter
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from langchain_core.tools import ToolException
from langchain_mcp_adapters.sessions import create_session
from mcp import ClientSession, McpError
from mcp.types import CONNECTION_CLOSED, CallToolResult, Tool

T = TypeVar("T")
START_TIMEOUT = 60.0
"""Seconds a server may take from launch to a finished MCP handshake."""
_DEAD = (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream)
SESSION_TERMINATED = 32600
"""The error code the SDK's HTTP client gives a request whose session the server forgot."""


class ServerUnavailable(ToolException):
    """An MCP server could not be started or reached; the message names it."""


@dataclass
class _Live:
    session: ClientSession
    stop: asyncio.Event
    keeper: asyncio.Task[None]


class McpSessions:
    """Live sessions to the servers of one MCP config (`name -> connection`).

    `starts[name]` counts the sessions opened to each server (for stdio: processes started).
    """

    def __init__(
        self, connections: Mapping[str, Mapping[str, Any]], start_timeout: float = START_TIMEOUT
    ) -> None:
        self.connections = dict(connections)
        self.start_timeout = start_timeout
        self.starts: Counter[str] = Counter()
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._live: dict[str, _Live] = {}
        self._opening: dict[str, asyncio.Lock] = {}
        _OPEN.add(self)

    # -- called from any thread or loop ---------------------------------------------------

    async def list_tools(self, server: str) -> list[Tool]:
        """Every tool of `server` (all pages), over its session."""
        return await self._hand_over(self._list_tools(server))

    async def call_tool(
        self, server: str, name: str, arguments: dict[str, Any] | None
    ) -> CallToolResult:
        """Call a tool over the server's session; reopen the session once if it died."""
        return await self._hand_over(self._call_tool(server, name, arguments or {}))

    def close(self) -> None:
        """Close every session (stdio servers exit) and stop the private loop."""
        with self._guard:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._close_all(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._opening = {}  # its locks belong to the closed loop; a reopen makes new ones

    def __enter__(self) -> McpSessions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _hand_over(self, coro: Coroutine[Any, Any, T]) -> T:
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(
            coro, self._running_loop()
        )
        return await asyncio.wrap_future(future)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="mirograph-mcp-sessions", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    # -- on the private loop -----------------------------------------------------------------

    async def _list_tools(self, server: str) -> list[Tool]:
        session = await self._session(server)
        tools: list[Tool] = []
        cursor: str | None = None
        while True:
            page = await session.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.nextCursor
            if not cursor:
                return tools

    async def _call_tool(self, server: str, name: str, arguments: dict[str, Any]) -> Any:
        for attempt in (1, 2):
            session = await self._session(server)
            try:
                return await session.call_tool(name, arguments)
            except _DEAD as exc:
                # The server had died before this call: the request was never sent, so
                # sending it over a new session cannot run it twice.
                await self._drop(server, session)
                if attempt == 2:
                    raise ServerUnavailable(
                        f"MCP server {server!r} died again right after a restart"
                    ) from exc
            except McpError as exc:
                if exc.error.code == SESSION_TERMINATED and attempt == 1:
                    # An HTTP server that restarted refuses the old session (404): the call
                    # never ran, so it goes again over a new session.
                    await self._drop(server, session)
                    continue
                if exc.error.code != CONNECTION_CLOSED:
                    raise
                # It died during this call: whether the call ran is unknown, so it is not
                # sent again; the next call gets a new session.
                await self._drop(server, session)
                raise ServerUnavailable(
                    f"MCP server {server!r} exited during the call to {name}; "
                    "it is restarted for the next call"
                ) from exc
        raise AssertionError("unreachable")

    async def _session(self, server: str) -> ClientSession:
        if server not in self.connections:
            raise ServerUnavailable(f"no MCP server named {server!r} in the config")
        lock = self._opening.setdefault(server, asyncio.Lock())
        async with lock:  # parallel first calls start the server once
            live = self._live.get(server)
            if live is not None and not live.keeper.done() and await self._alive(server, live):
                return live.session
            if live is not None:
                del self._live[server]
                await _stop(live)
            self._live[server] = live = await self._open(server)
            return live.session

    async def _alive(self, server: str, live: _Live) -> bool:
        """A ping before each stdio call (a local round trip, well under a millisecond):
        a server that died since the last call is restarted before the call is sent, so a
        call is never sent into a dead process (it might then have run or not)."""
        if self.connections[server].get("transport") != "stdio":
            return True
        try:
            await live.session.send_ping()
        except (*_DEAD, McpError):
            return False
        return True

    async def _open(self, server: str) -> _Live:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[ClientSession] = loop.create_future()
        stop = asyncio.Event()
        keeper = loop.create_task(self._keep(server, ready, stop))
        self.starts[server] += 1
        try:
            session = await asyncio.wait_for(asyncio.shield(ready), self.start_timeout)
        except (OSError, McpError, ExceptionGroup, TimeoutError, *_DEAD) as exc:
            stop.set()
            keeper.cancel()
            reason = "timed out" if isinstance(exc, TimeoutError) else _reason(exc)
            raise ServerUnavailable(
                f"MCP server {server!r} could not be started or reached ({reason})"
            ) from exc
        return _Live(session, stop, keeper)

    async def _keep(
        self, server: str, ready: asyncio.Future[ClientSession], stop: asyncio.Event
    ) -> None:
        """Hold one session open until `stop` (entered and left in this one task)."""
        try:
            async with create_session(self.connections[server]) as session:  # type: ignore[arg-type]
                await session.initialize()
                ready.set_result(session)
                await stop.wait()
        except BaseException as exc:  # handed to the opener; after that the session is gone
            if not ready.done():
                ready.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
                raise

    async def _drop(self, server: str, session: ClientSession) -> None:
        live = self._live.get(server)
        if live is not None and live.session is session:
            del self._live[server]
            await _stop(live)

    async def _close_all(self) -> None:
        live, self._live = list(self._live.values()), {}
        await asyncio.gather(*(_stop(item) for item in live))


async def _stop(live: _Live) -> None:
    live.stop.set()
    try:
        await asyncio.wait_for(live.keeper, 10)
    except TimeoutError:
        live.keeper.cancel()


def _reason(exc: BaseException) -> str:
    while isinstance(exc, ExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_OPEN: weakref.WeakSet[McpSessions] = weakref.WeakSet()


@atexit.register
def _close_leftovers() -> None:
    """Sessions nobody closed end with the interpreter, their servers with them."""
    for sessions in list(_OPEN):
        sessions.close()
