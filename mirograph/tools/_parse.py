"""Parsing with a time limit: trafilatura and pypdf run in worker processes.

Both are pure Python on bodies of up to 5 MB that a model chose, and a thread cannot be
stopped, so a page that sends them into a long loop would hold the run. Parsing happens in
a child process (`python _parse.py`, which loads `extract.py` by path so a worker imports
trafilatura and pypdf but not the rest of mirograph); when it overruns it is killed and the
call fails with a clear message. Idle workers are kept for the next parse (starting one
costs about a second), one per parse in flight; they exit with their parent.

Messages are length-prefixed pickles over the child's stdin/stdout, between this process and
its own child only.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

START_TIMEOUT = 60.0
_HEADER = struct.Struct("!Q")


class ParseTimeout(Exception):
    """The parser overran its time limit (the worker was killed)."""


class ParseFailed(Exception):
    """The parser raised (e.g. a corrupt PDF); the message names the error."""


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", __file__],  # -I: no user site, no PYTHON* variables
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.ready = False

    def send(self, message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.stdin.write(_HEADER.pack(len(data)) + data)
        self.stdin.flush()

    def receive(self, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        (size,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        return pickle.loads(self._read(size, deadline))

    def _read(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        fd = self.stdout.fileno()
        while size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ParseTimeout
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise ParseFailed("the parser process exited")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.stdin.close()
        self.stdout.close()


class ParsePool:
    """Worker processes for `render(kind, body, url, encoding)` of `extract.py`."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def render(
        self, kind: str, body: bytes, url: str, encoding: str, *, timeout: float
    ) -> tuple[str, str]:
        """(title, text), or `ParseTimeout` after `timeout` s, or `ParseFailed`."""
        worker = self._take()
        try:
            worker.send((kind, body, url, encoding))
            ok, *value = worker.receive(timeout)
        except (ParseTimeout, ParseFailed, OSError) as exc:
            worker.kill()
            if isinstance(exc, OSError):
                raise ParseFailed("the parser process exited") from exc
            raise
        with self._lock:
            self._idle.append(worker)
        if not ok:
            raise ParseFailed(value[0])
        return value[0], value[1]

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
                worker.kill()
        worker = _Worker()
        try:
            if worker.receive(START_TIMEOUT) != "ready":
                raise ParseFailed("the parser process did not start")
        except (ParseTimeout, ParseFailed):
            worker.kill()
            raise ParseFailed("the parser process did not start") from None
        return worker

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


POOL = ParsePool()
atexit.register(POOL.close)


def _serve() -> None:
    """The worker: load extract.py, then answer render requests until stdin closes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_mirograph_extract", Path(__file__).with_name("extract.py")
    )
    assert spec is not None and spec.loader is not None
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol

    def send(message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()

    send("ready")
    while header := stdin.read(_HEADER.size):
        (size,) = _HEADER.unpack(header)
        kind, body, url, encoding = pickle.loads(stdin.read(size))
        try:
            send((True, *extract.render(kind, body, url, encoding)))
        except Exception as exc:  # a parser's failure on this body, handed to the parent
            send((False, f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    _serve()
