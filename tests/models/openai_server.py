"""A scripted OpenAI-compatible chat server on 127.0.0.1, for real-HTTP model tests.

It answers `POST /v1/chat/completions` from a script, streaming (SSE) when the request
asks for it and plain JSON otherwise, and records every request body. A script entry is
a reply dict, or a function of the request body returning one:

- `{"content": "text"}` and/or `{"tool_calls": [{"name": ..., "args": {...}}]}`;
- `{"status": 429, "message": "...", "headers": {...}}` for an error response, or
  `{"status": 400, "body": {...}}` to send a server's documented error body as it is;
- `"repeat_heads": True` streams each call's arguments in pieces, repeating its name and
  id in every chunk, as llama-cpp-python's server does.

When the script runs out the server answers 400 "script exhausted", which no client
retries, so a test that asks for too much fails fast instead of hanging.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any]
Entry = Reply | Callable[[dict[str, Any]], Reply]

# vLLM's wording when prompt + max_tokens exceed the model's window.
VLLM_CONTEXT_ERROR = (
    "This model's maximum context length is 32768 tokens. However, you requested 40960 "
    "tokens (24576 in the messages, 16384 in the completion). Please reduce the length of "
    "the messages or completion."
)


# Each server's documented answer (status, JSON body) to a prompt longer than its window.
OVERFLOW_BODIES: dict[str, tuple[int, dict[str, Any]]] = {
    # llama_cpp/server/errors.py (`context_length_exceeded`)
    "llama-cpp-python": (
        400,
        {
            "error": {
                "message": "This model's maximum context length is 2048 tokens. However, you "
                "requested 2100 tokens (2052 in the messages, 48 in the completion). Please "
                "reduce the length of the messages or completion.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        },
    ),
    # llama.cpp tools/server (`ERROR_TYPE_EXCEED_CONTEXT_SIZE`)
    "llama-server": (
        400,
        {
            "error": {
                "code": 400,
                "message": "request (4476 tokens) exceeds the available context size "
                "(4096 tokens), try increasing it",
                "type": "exceed_context_size_error",
                "n_prompt_tokens": 4476,
                "n_ctx": 4096,
            }
        },
    ),
    "vllm": (
        400,
        {
            "object": "error",
            "message": VLLM_CONTEXT_ERROR,
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        },
    ),
    "sglang": (
        400,
        {
            "object": "error",
            "message": "The input (40000 tokens) is longer than the model's "
            "context length (32768 tokens).",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        },
    ),
}


@dataclass
class OpenAIServer:
    """The running server: its base URL, the script still to play, the requests seen."""

    url: str
    script: list[Entry] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, *entries: Entry) -> None:
        """Append entries to the script."""
        with self.lock:
            self.script.extend(entries)

    def _next(self, body: dict[str, Any]) -> Reply | None:
        with self.lock:
            self.requests.append(body)
            if not self.script:
                return None
            entry = self.script.pop(0)
        return entry(body) if callable(entry) else entry


def _completion(body: dict[str, Any], reply: Reply, n: int) -> dict[str, Any]:
    calls = _tool_calls(reply, n)
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content") or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "test-model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def _chunks(body: dict[str, Any], reply: Reply, n: int) -> Iterator[dict[str, Any]]:
    base = {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": body.get("model", "test-model"),
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    text = reply.get("content") or ""
    for start in range(0, len(text), 16):
        yield chunk({"content": text[start : start + 16]})
    calls = _tool_calls(reply, n)
    for index, call in enumerate(calls):
        if reply.get("repeat_heads"):  # llama-cpp-python: name and id in every chunk
            arguments = call["function"]["arguments"]
            for start in range(0, len(arguments), 4):
                piece = {**call["function"], "arguments": arguments[start : start + 4]}
                yield chunk({"tool_calls": [{"index": index, **call, "function": piece}]})
            continue
        yield chunk({"tool_calls": [{"index": index, **call}]})
    yield chunk({}, "tool_calls" if calls else "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
        yield {**base, "choices": [], "usage": usage}


def _tool_calls(reply: Reply, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"call_{n}_{i}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call.get("args", {}))},
        }
        for i, call in enumerate(reply.get("tool_calls", []))
    ]


def _handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            n = len(server.requests) + 1
            reply = server._next(body)
            if reply is None:
                error = {"message": "script exhausted", "type": "BadRequestError", "code": 400}
                self._json(400, {"object": "error", **error})
                return
            status = reply.get("status", 200)
            if status != 200 and "body" in reply:
                self._json(status, reply["body"], reply.get("headers", {}))
            elif status != 200:
                error = {"message": reply.get("message", "error"), "type": "error", "code": status}
                self._json(status, {"object": "error", **error}, reply.get("headers", {}))
            elif body.get("stream"):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()  # HTTP/1.0: the stream ends when the connection closes
                for chunk in _chunks(body, reply, n):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
            else:
                self._json(200, _completion(body, reply, n))

        def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def serve() -> Iterator[OpenAIServer]:
    """Run a server on a free loopback port for the duration of the block."""
    state = OpenAIServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
