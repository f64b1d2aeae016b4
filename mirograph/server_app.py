"""The HTTP edge of `langgraph dev` (`langgraph.json` → `http.app`): refuse requests that
set deployment settings, before the API server stores or runs anything.

LangGraph's API server quietly drops context keys that are not in the graph's context
schema, and Studio's form shows run settings only (see `mirograph.deployment`); a request
that sets a deployment setting anyway (`context`, or `config.configurable`, of a run, an
assistant, a cron or a batch) gets HTTP 422 with one sentence naming the setting, so the
caller learns it was refused instead of having it ignored. A run setting of the wrong type
or choice is refused the same way, named with what it takes (the server would report only
"an internal error" once the run started).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from mirograph.deployment import RUN_SETTINGS, Deployment, RunContext
from mirograph.errors import ConfigError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def refusal(body: bytes, deployment: Deployment) -> str | None:
    """Why a request body may not be served (None: it sets run settings only)."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        return None  # not JSON: the API server answers it
    for item in payload if isinstance(payload, list) else [payload]:
        if not isinstance(item, dict):
            continue
        config = item.get("config")
        configurable = config.get("configurable") if isinstance(config, dict) else None
        for settings in (item.get("context"), configurable):
            if isinstance(settings, dict):
                try:
                    deployment.check_request(settings)
                    # Wrong types and choices, named now (the API server would hide why).
                    RunContext(**{k: v for k, v in settings.items() if k in RUN_SETTINGS})
                except ConfigError as exc:
                    return str(exc)
    return None


class RefuseDeploymentSettings:
    """ASGI middleware: reads a write request's body, refuses it or replays it unchanged."""

    def __init__(self, app: ASGIApp, deployment: Deployment | None = None) -> None:
        self.app = app
        self.deployment = deployment or Deployment.from_env(os.environ)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        reason = refusal(body, self.deployment)
        if reason is not None:
            await _answer_422(send, reason)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _answer_422(send: Send, reason: str) -> None:
    payload = json.dumps({"detail": reason}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


app = Starlette(middleware=[Middleware(RefuseDeploymentSettings)])
"""No routes of its own: its middleware guards the API server's routes."""
