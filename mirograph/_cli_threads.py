"""Commands that read and branch saved threads: threads, show, history, fork, index."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from mirograph import _cli_settings as opts
from mirograph import _display as display
from mirograph._cli_common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    app,
    existing_thread,
    fail,
    open_existing,
    open_listing,
    thread_settings,
    user_errors,
)
from mirograph._cli_stops import resume_command

FINISHED = ("done", "exhausted", "failed")


@app.command()
def threads(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """List the threads in the database.

    status: running (a live runner holds it), waiting for review, paused, interrupted
    (killed or crashed: resume it), done, exhausted or failed.
    """
    from mirograph.status import thread_statuses

    with user_errors(), open_listing(db) as listing:
        infos = listing.list_threads()
        statuses = thread_statuses(listing, infos)
        rows = [
            {
                **{k: v for k, v in dataclasses.asdict(info).items() if k != "settings"},
                "status": statuses[info.thread_id],
            }
            for info in infos
        ]
    if as_json:
        display.print_json(rows)
    else:
        display.out.print(display.threads_table(rows))


@app.command()
def show(
    thread: Annotated[str, typer.Argument(help="The thread to show.")],
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
) -> None:
    """Print a thread's answer, report, sources and counters."""
    if fmt not in ("md", "json"):
        fail(f"--format must be md or json, not {fmt!r}")
    with user_errors():
        with open_listing(db) as listing:
            info = existing_thread(listing, thread)
        values, count, status = latest_state(db, info.thread_id)
    data = {
        "thread_id": info.thread_id,
        "label": info.label,
        "question": values.get("question", ""),
        "status": status,
        "verified": values.get("verified"),
        "answer": values.get("answer", ""),
        "report": values.get("report", ""),
        "sources": values.get("sources") or [],
        "tool_calls_used": values.get("tool_calls_used", 0),
        "summary": values.get("summary", ""),
        "messages": count,
    }
    if fmt == "json":
        display.print_json(data)
    else:
        typer.echo(show_markdown(data))


def latest_state(db: str | Path, thread: str) -> tuple[dict[str, Any], int, str]:
    """The head checkpoint's values, the transcript's length and the thread's status, read
    as plain data.

    A finished run stored its sources; an unfinished one (or a transcript this reader
    cannot count, or a PostgreSQL database) needs the state loaded the LangGraph way.
    """
    from mirograph.checkpoints.listing import Listing, NeedsState
    from mirograph.status import thread_statuses

    with open_listing(db) as listing:
        info = existing_thread(listing, thread)
        thread = info.thread_id
        status = thread_statuses(listing, [info])[thread]
        if isinstance(listing, Listing):
            values = listing.latest_values(thread)
            if values.get("status") in FINISHED and "sources" in values:
                try:
                    return values, listing.message_count(thread), status
                except NeedsState:
                    pass
    return (*full_state(db, thread), status)


def full_state(db: str | Path, thread: str) -> tuple[dict[str, Any], int]:
    """The state as the graph sees it, with sources derived from the transcript."""
    from mirograph.answers.sources import collect_sources
    from mirograph.graphs.research import build_research_graph

    with open_existing(db, readonly=True) as saver:
        thread_settings(saver, thread)
        values = (
            build_research_graph(checkpointer=saver)
            .get_state({"configurable": {"thread_id": thread}})
            .values
        )
    messages = values.get("messages", [])
    # Unfinished threads have no `sources` yet: derive them from the transcript.
    return {**values, "sources": values.get("sources") or collect_sources(messages)}, len(messages)


def show_markdown(data: dict[str, Any]) -> str:
    """A thread as markdown: the report (or the question and answer), every retrieved
    source by number, and a status line."""
    from mirograph.text import format_source

    parts = [
        data["report"].rstrip()
        or f"# {data['question'] or data['thread_id']}\n\n{data['answer'] or '(no answer yet)'}"
    ]
    if data["sources"]:
        heading = "## All retrieved sources" if data["report"] else "## Sources"
        parts.append(heading + "\n\n" + "\n".join(f"- {format_source(s)}" for s in data["sources"]))
    if data["summary"]:
        parts.append("## Running summary\n\n" + data["summary"].rstrip())
    verified = {True: " · verified", False: " · not verified"}.get(data["verified"], "")
    parts.append(
        f"_thread {display.thread_name(data['thread_id'], data.get('label'))} · "
        f"{data['status']}{verified} · "
        f"{display.tool_calls(data['tool_calls_used'])}_"
    )
    return "\n\n".join(parts)


@app.command()
def history(
    thread: Annotated[str, typer.Argument(help="The thread whose steps to list.")],
    db: DbOption = DEFAULT_DB,
    tail: Annotated[int | None, typer.Option(min=1, help="Only the last N rows.")] = None,
    tool_calls_only: Annotated[
        bool, typer.Option("--tool-calls-only", help="Only the steps that ran tool calls.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the steps of a thread's own lineage: tool-call number, node, checkpoint id.

    One plain row per step, printed as it is read; `#` numbers the steps of the whole
    lineage, so filtered and tailed rows keep their numbers.
    """
    from mirograph.fork_steps import fork_steps

    with user_errors(), open_listing(db) as listing:
        thread = existing_thread(listing, thread).thread_id
        # fork_step: the `fork --step` that lands on the row (the tool calls of its round).
        rows: Iterable[tuple[int, Any]] = enumerate(fork_steps(listing.history(thread)))
        if tool_calls_only:
            rows = ((n, row) for n, row in rows if row[0].node == "executor")
        if tail is not None:
            rows = collections.deque(rows, maxlen=tail)
        if as_json:
            display.print_json(
                [{"n": n, **dataclasses.asdict(step), "fork_step": at} for n, (step, at) in rows]
            )
        else:
            display.print_history((n, step) for n, (step, _) in rows)


@app.command()
def fork(
    thread: Annotated[str, typer.Argument(help="The thread to branch from.")],
    step: Annotated[
        int | None, typer.Option(min=0, help="Fork right after the N-th tool call's result.")
    ] = None,
    checkpoint: Annotated[str | None, typer.Option(help="Fork at this checkpoint id.")] = None,
    new_thread: Annotated[
        str | None,
        typer.Option(help="A name (label) for the new thread; its id is a new UUID."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A hint added as a user message.")] = None,
    db: DbOption = DEFAULT_DB,
    model: opts.Model = None,
    base_url: opts.BaseUrl = None,
    api_key_env: opts.ApiKeyEnv = None,
    protocol: opts.Protocol = None,
    max_tool_calls: opts.MaxToolCalls = None,
    keep_tool_results: opts.KeepToolResults = None,
    corpus: opts.Corpus = None,
    tool: opts.Tools = None,
    verify: opts.Verify = None,
    answer_format: opts.Format = None,
    search_backend: opts.Search = None,
    mcp_config: opts.McpConfig = None,
    context_window: opts.ContextWindow = None,
    temperature: opts.Temperature = None,
    top_p: opts.TopP = None,
    max_tokens: opts.MaxTokens = None,
    as_json: JsonOption = False,
) -> None:
    """Branch a thread at an earlier step into a new thread; the parent is never modified.

    Run settings given here (another --model, a new --max-tool-calls budget, ...) are
    stored with the branch; the rest are the parent's.
    """
    from mirograph.branching import fork_at
    from mirograph.checkpoints.labels import new_thread as new_thread_name
    from mirograph.checkpoints.labels import resolve_thread

    if (step is None) == (checkpoint is None):
        fail("give exactly one of --step N or --checkpoint ID")
    with user_errors(), open_existing(db) as saver:
        thread = resolve_thread(saver, thread)
        settings = opts.changed_settings(
            thread_settings(saver, thread),
            model=model,
            base_url=base_url,
            api_key_env=api_key_env,
            protocol=protocol,
            max_tool_calls=max_tool_calls,
            keep_tool_results=keep_tool_results,
            corpus=corpus,
            tool=tool,
            verify=verify,
            answer_format=answer_format,
            search_backend=search_backend,
            mcp_config=mcp_config,
            context_window=context_window,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
        )
        child_id, label = new_thread_name(new_thread)
        child = fork_at(
            saver,
            thread,
            settings,
            step=step,
            checkpoint_id=checkpoint,
            new_thread_id=child_id,
            note=note,
            label=label,
        )
        info, parent = saver.get_thread(child), saver.get_thread(thread)
    data = {
        "thread_id": child,
        "label": label,
        "parent_thread_id": thread,
        "parent_checkpoint_id": info.parent_checkpoint_id if info else checkpoint,
        "fork_step": info.fork_step if info else step,
    }
    if as_json:
        display.print_json(data)
    else:
        display.out.print(
            f"forked {display.thread_name(thread, parent.label if parent else None)} into "
            f"{display.thread_name(child, label)} — continue with: "
            f"{resume_command(label or child, db)}",
            highlight=False,
        )


@app.command()
def index(
    directory: Annotated[Path, typer.Argument(help="Folder of .md, .txt, .html (.pdf) files.")],
    corpus: Annotated[Path, typer.Option(help="The corpus index file to build or update.")],
) -> None:
    """Build or update a local corpus index for `search_corpus`."""
    from mirograph.tools import index_corpus

    if not directory.is_dir():
        fail(f"{directory} is not a folder")
    with user_errors():
        try:
            report = index_corpus(directory, corpus)
        except OSError as exc:  # the index file itself: read-only folder, disk full
            fail(f"cannot write the corpus index {corpus}: {exc.strerror}")
    display.out.print(
        f"indexed {directory} into {corpus}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed",
        highlight=False,
    )
    for skipped in report.skipped:
        display.err.print(f"skipped {skipped}", highlight=False)
    if report.ignored:
        display.err.print(ignored_line(report.ignored), highlight=False)


def ignored_line(ignored: list[str]) -> str:
    """`ignored 3 files of types index does not read: .rst (2), .pdf (1; pip install …)`."""
    from collections import Counter

    from mirograph.tools.corpus import PDF_SUFFIXES, supported_suffixes

    kinds = Counter(Path(name).suffix.lower() or "(no extension)" for name in ignored)
    parts = [
        f"{kind} ({n}; needs: pip install 'mirograph[pdf]')"
        if kind in PDF_SUFFIXES
        else f"{kind} ({n})"
        for kind, n in kinds.most_common()
    ]
    files = "1 file" if len(ignored) == 1 else f"{len(ignored)} files"
    return (
        f"ignored {files} of types index does not read: {', '.join(parts)} "
        f"(it reads {' '.join(supported_suffixes())})"
    )
