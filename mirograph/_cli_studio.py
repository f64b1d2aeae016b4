"""`mirograph studio`: show a CLI thread in LangGraph Studio, in one step.

`langgraph dev` reads every checkpoint from mirograph's database, but its in-memory
runtime keeps its own registry of threads: a thread the CLI wrote is unknown to it
(`threads.get` answers 404, Studio does not list it) until it is registered. This command
registers it (idempotent: `if_exists=do_nothing`) with the thread's label in its metadata,
checks that the server reads its state, and prints the Studio link. It is not done
automatically by `run`: the CLI does not know whether, or where, a dev server runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mirograph import _display as display
from mirograph._cli_common import (
    DEFAULT_DB,
    DbOption,
    app,
    existing_thread,
    fail,
    open_listing,
    user_errors,
)
from mirograph.checkpoints.labels import is_uuid

STUDIO = "https://smith.langchain.com/studio/"
TIMEOUT_S = 30


@app.command()
def studio(
    thread: Annotated[str, typer.Argument(help="The thread to show (id, label or id prefix).")],
    server: Annotated[
        str,
        typer.Option(
            "--server",
            help="The `langgraph dev` server, e.g. http://127.0.0.1:8123.",
            envvar="MIROGRAPH_SERVER",
        ),
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Register a thread with a running `langgraph dev` server, so Studio lists it."""
    with user_errors(), open_listing(db) as listing:
        info = existing_thread(listing, thread)
    name = display.thread_name(info.thread_id, info.label)
    if not is_uuid(info.thread_id):
        fail(
            f"thread {info.thread_id!r} predates UUID ids, which the server requires: branch it "
            f"into one with `mirograph fork {info.thread_id} --step N --new-thread NAME`"
        )
    base = server.rstrip("/")
    register(base, info.thread_id, info.label)
    display.out.print(
        f"thread {name} is on {base}: open {STUDIO}?baseUrl={base} and pick it from the threads",
        highlight=False,
    )


def register(base: str, thread_id: str, label: str | None) -> None:
    """Create the server's record of the thread (no-op if it has one), then read its state
    back: both through the server's HTTP API, so nothing of the server is imported."""
    import httpx

    metadata = {"graph_id": "research", **({"label": label} if label else {})}
    body = {"thread_id": thread_id, "metadata": metadata, "if_exists": "do_nothing"}
    try:
        with httpx.Client(base_url=base, timeout=TIMEOUT_S) as client:
            created = client.post("/threads", json=body)
            state = client.get(f"/threads/{thread_id}/state") if created.is_success else None
    except httpx.HTTPError as exc:
        fail(f"cannot reach a langgraph dev server at {base} ({exc}); start it (see the README)")
    if not created.is_success:
        fail(
            f"{base} refused to register thread {thread_id} (HTTP {created.status_code}: "
            f"{created.text[:200]})"
        )
    if state is None or not state.is_success or not state.json().get("values"):
        fail(
            f"{base} registered thread {thread_id} but reads no state for it: start the "
            "server with MIROGRAPH_DB set to this --db"
        )
