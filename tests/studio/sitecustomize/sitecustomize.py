"""Loaded by the `langgraph dev` subprocess of the Studio tests (via PYTHONPATH).

Records every non-loopback address the server's Python code tries to resolve or connect
to, in the file named by `MIROGRAPH_TEST_CONNECT_LOG`, and refuses such connections, so a
test can assert that the server stayed on loopback. Python-level sockets only: uvloop's
own sockets bypass audit hooks, which is why the fixture also runs the server in a
private network namespace where the machine allows it.
"""

from __future__ import annotations

import ipaddress
import os
import sys

_LOG = os.environ.get("MIROGRAPH_TEST_CONNECT_LOG")
_LOCAL_NAMES = {None, "", "localhost", b"localhost"}


def _is_loopback(host: object) -> bool:
    if host in _LOCAL_NAMES:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost


def _hook(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if _is_loopback(host):
        return
    with open(_LOG, "a", encoding="utf-8") as log:  # type: ignore[arg-type]
        log.write(f"{event} {host!r}\n")
    if event == "socket.connect":
        raise ConnectionRefusedError(f"test server may not reach {host!r}")


if _LOG:
    sys.addaudithook(_hook)
    with open(f"{_LOG}.installed", "a", encoding="utf-8") as marker:
        marker.write(f"{os.getpid()}\n")  # proves the hook watched the server
