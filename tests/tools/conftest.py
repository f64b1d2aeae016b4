"""A real HTTP server on 127.0.0.1 serving the copied real-world pages and misbehaviours."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "webpages"
EXPECTED: dict[str, dict] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
BIG_BODY_BYTES = 50 * 1024 * 1024


@dataclass
class Recorder:
    """What the server saw: request paths, Host headers, bytes of the big body sent."""

    paths: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    big_bytes_sent: int = 0
    stall: threading.Event = field(default_factory=threading.Event)
    stall_over: threading.Event = field(default_factory=threading.Event)
    """Set when /stall stops stalling (released by `stall`, or after 10 s)."""
    scripted: list[int] = field(default_factory=list)  # statuses for /flaky, in order
    closed: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    """Released once per client connection that the client closed."""
    pdf: bytes = b""  # served at /doc.pdf


@dataclass
class LocalServer:
    port: int
    recorder: Recorder

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def finish(self) -> None:  # the connection is over (keep-alive ends when it closes)
            super().finish()
            recorder.closed.release()

        def _send(self, status: int, ctype: str, body: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            recorder.paths.append(self.path)
            recorder.hosts.append(self.headers.get("Host", ""))
            path, _, query = self.path.partition("?")
            if path.startswith("/pages/"):
                page = DATA / path.removeprefix("/pages/")
                self._send(200, "text/html; charset=utf-8", page.read_bytes())
            elif path == "/big":
                self._big()
            elif path == "/stall":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b"<html><body><p>The beginning")
                self.wfile.flush()
                recorder.stall.wait(10)
                recorder.stall_over.set()
            elif path == "/image.png":
                self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
            elif path == "/doc.pdf":
                self._send(200, "application/pdf", recorder.pdf)
            elif path == "/data.json":
                self._send(200, "application/json", b'{"answer": 42, "unit": "widgets"}')
            elif path == "/redirect":
                self._send(302, "text/plain", b"", Location=query.removeprefix("to="))
            elif path == "/flaky":
                status = recorder.scripted.pop(0) if recorder.scripted else 200
                self._send(status, "text/plain", f"status {status}".encode())
            else:
                self._send(404, "text/plain", b"not found")

        def _big(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(BIG_BODY_BYTES))
            self.end_headers()
            chunk = (b"x" * 1023 + b"\n") * 64
            try:
                while recorder.big_bytes_sent < BIG_BODY_BYTES:
                    self.wfile.write(chunk)
                    recorder.big_bytes_sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its cap: what the test wants

    return Handler


@pytest.fixture
def make_server() -> Iterator[Callable[[], LocalServer]]:
    """Start as many loopback servers as a test needs; all stop at teardown."""
    started: list[tuple[ThreadingHTTPServer, Recorder]] = []

    def start() -> LocalServer:
        recorder = Recorder()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((server, recorder))
        return LocalServer(server.server_address[1], recorder)

    yield start
    for server, recorder in started:
        recorder.stall.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def web_server(make_server: Callable[[], LocalServer]) -> LocalServer:
    return make_server()
