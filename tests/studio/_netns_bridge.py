"""Forward a loopback port of this network namespace into another process's namespace.

`python _netns_bridge.py PID PORT` listens on 127.0.0.1 (a free port, printed on the
first line of stdout) and forwards each connection to 127.0.0.1:PORT inside the network
namespace of process PID. The listening socket is made before `setns`, so it stays in
the caller's namespace; every later socket is made inside PID's. Needs CAP_SYS_ADMIN.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def enter_netns(pid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns: {os.strerror(errno)}")
    finally:
        os.close(fd)


def pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass  # the other side closed: nothing left to forward
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):  # already closed by the other pipe
                sock.shutdown(socket.SHUT_RDWR)


def serve(client: socket.socket, port: int) -> None:
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


def main() -> None:
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    listener = socket.create_server(("127.0.0.1", 0))
    enter_netns(pid)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, port), daemon=True).start()


if __name__ == "__main__":
    main()
