"""`mirograph ui`: the local read-only web app (needs the `ui` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from mirograph import _display as display
from mirograph._cli_common import app, fail, user_errors


@app.command()
def ui(
    db: Annotated[
        str,
        typer.Option("--db", help="SQLite file, or an eval output folder.", envvar="MIROGRAPH_DB"),
    ] = "mirograph.sqlite",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free).")
    ] = 0,
) -> None:
    """Browse threads, steps, branches and evals in a local, read-only web app."""
    try:
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401

        from mirograph.ui import serve
    except ImportError as exc:
        fail(f"the ui needs its extra: pip install 'mirograph[ui]' ({exc.name} is missing)")

    def ready(url: str) -> None:
        display.err.print(f"mirograph ui on {url}  (read-only; Ctrl-C to stop)", highlight=False)

    with user_errors():
        serve(db, port=port, on_ready=ready)
