"""`mirograph ui`: a local, read-only web app over a mirograph database.

```python
from mirograph.ui import serve
serve("mirograph.sqlite", port=8600)  # http://127.0.0.1:8600/, until Ctrl-C
```
It binds 127.0.0.1 only, serves nothing but the files in this package, and opens the
database with SQLite's read-only mode: it never writes a byte of it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from mirograph.checkpoints import is_database_url
from mirograph.errors import InputError

__all__ = ["create_app", "resolve_target", "serve"]

HOST = "127.0.0.1"
EVAL_DB = "eval.sqlite"


def resolve_target(db: str | Path) -> tuple[str | Path, Path | None]:
    """The database (a file or a `postgresql://` URL) and, for an `eval` output folder,
    the folder itself."""
    if is_database_url(db):
        return str(db), None
    path = Path(str(db))
    if path.is_dir():
        if not (path / EVAL_DB).exists():
            raise InputError(
                f"{path} is a folder without {EVAL_DB}: pass a database file or an eval folder"
            )
        return path / EVAL_DB, path
    return path, None


def create_app(db: str | Path, *, label: str | None = None):
    """The Starlette app over `db` (a file, or an eval folder); the caller closes nothing."""
    from mirograph.ui.app import create_app as build
    from mirograph.ui.data import UiData

    path, folder = resolve_target(db)
    return build(UiData(path), db_label=label or str(db), eval_dir=folder)


def serve(db: str | Path, *, port: int = 0, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the ui on 127.0.0.1 until interrupted; `on_ready` gets the URL once bound."""
    import uvicorn

    app = create_app(db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready(url)
    server.run(sockets=[sock])
