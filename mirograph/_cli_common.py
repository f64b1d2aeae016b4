"""Shared pieces of the `mirograph` commands: the app, options, errors, thread lookup.

Heavy modules (LangGraph's graph runtime, LangChain models) are imported inside the commands
that need them, so listing commands such as `threads` and `history` start quickly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from mirograph import _display as display
from mirograph.errors import MirographError, ThreadNotFound

if TYPE_CHECKING:
    from mirograph.checkpoints import MirographSaver, SaverCore
    from mirograph.checkpoints._records import ThreadInfo
    from mirograph.checkpoints.listing import Listing
    from mirograph.context import ResearchContext

app = typer.Typer(
    name="mirograph",
    help="Long-horizon research agents on LangGraph, checkpointed to SQLite.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_PAUSED = 0, 1, 2, 3
DEFAULT_DB = "mirograph.sqlite"

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        help="SQLite file, or postgresql://USER@HOST/DB, holding the threads.",
        envvar="MIROGRAPH_DB",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One readable line on stderr, then exit.

    The message is printed as it is (rich markup escaped), so a hint such as
    `pip install 'mirograph[ray]'` keeps its brackets and works when pasted.
    """
    from rich.markup import escape

    display.err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn mirograph's user-facing errors into one line and exit code 2.

    Damage deep inside a database file only shows when SQLite reads that page, long after
    the checks at open: it is reported the same way, and nothing is written to the file.
    """
    try:
        yield
    except MirographError as exc:
        fail(str(exc))
    except sqlite3.OperationalError as exc:  # locked, disk full, read-only: not damage
        fail(f"the database cannot be used right now ({exc})")
    except sqlite3.DatabaseError as exc:
        fail(f"the database is damaged ({exc}); restore it from a copy")


@contextmanager
def open_existing(db: str | Path, *, readonly: bool = False) -> Iterator[SaverCore]:
    """Open a database that must already exist (reading never creates a file);
    `readonly=True` for commands that only look, so a SQLite file is left byte-identical."""
    from mirograph.checkpoints import open_checkpointer

    _must_exist(db)
    with open_checkpointer(db, readonly=readonly) as saver:
        yield saver


@contextmanager
def open_listing(db: str | Path) -> Iterator[Listing | SaverCore]:
    """Open an existing database for the listing commands: a SQLite file with plain SQL,
    no LangGraph; a PostgreSQL URL through its saver (same listing methods)."""
    from mirograph.checkpoints import is_database_url
    from mirograph.checkpoints.listing import open_listing as open_sqlite_listing

    if is_database_url(db):
        with open_existing(db, readonly=True) as saver:
            yield saver
        return
    _must_exist(db)
    with open_sqlite_listing(db) as listing:
        yield listing


def _must_exist(db: str | Path) -> None:
    from mirograph.checkpoints import is_database_url

    if not is_database_url(db) and not Path(db).exists():
        raise ThreadNotFound(f"no database at {db} (run `mirograph run` first or pass --db)")


def existing_thread(reader: SaverCore | Listing, given: str) -> ThreadInfo:
    """The row of the thread `given` names (its id, label or a unique id prefix);
    ThreadNotFound when there is no such thread, InputError when several match."""
    from mirograph.checkpoints.labels import resolve_thread

    info = reader.get_thread(resolve_thread(reader, given))
    if info is None:
        raise ThreadNotFound(f"no thread {given!r} in this database (see `mirograph threads`)")
    return info


def thread_settings(saver: MirographSaver, thread_id: str) -> ResearchContext:
    """The settings stored with a thread; ThreadNotFound when there is no such thread."""
    from mirograph.context import ResearchContext

    info = existing_thread(saver, thread_id)
    if info.settings:
        return ResearchContext.from_dict(info.settings)
    return served_settings(server_run_settings(saver, thread_id))


def served_settings(run: dict[str, Any]) -> ResearchContext:
    """A thread started by the server holds run settings only; the deployment's come from
    this environment, as they did in the server's (the CLI's user is the operator)."""
    import os

    from mirograph.context import ResearchContext
    from mirograph.deployment import Deployment
    from mirograph.resources import operator_settings

    return operator_settings(ResearchContext.from_dict(run), Deployment.from_env(os.environ))


def server_run_settings(saver: MirographSaver, thread_id: str) -> dict[str, Any]:
    """Settings of a thread started through `langgraph dev` (Studio, the SDK).

    The API server stores no settings row, but copies each run's context into the metadata
    of its checkpoints; `ResearchContext.from_dict` keeps only the setting names.
    """
    saved = saver.get_tuple({"configurable": {"thread_id": thread_id}})
    return dict(saved.metadata) if saved is not None else {}
