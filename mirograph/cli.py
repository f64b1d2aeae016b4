"""The `mirograph` command.

Every mistake a user can make (empty question, unknown thread, a database that is not
one, a bad model string, a missing API key, an unreadable script) ends with one line on
stderr and exit code 2, before any work starts and without touching saved data.
Exit codes: 0 done, 1 failed, 2 usage error, 3 paused.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from langgraph.types import Interrupt

from mirograph import _display as display
from mirograph import _review_prompt as review_prompt
from mirograph.checkpoints import MirographSaver, fork_at, open_checkpointer
from mirograph.context import AnswerFormat, ResearchContext, ReviewMode, ToolProtocol, VerifyMode
from mirograph.errors import InputError, MirographError, ThreadNotFound
from mirograph.graphs.research import build_research_graph
from mirograph.memory.sources import collect_sources, format_source
from mirograph.resources import Resources
from mirograph.runner import Progress, RunControl, RunResult, run_thread

app = typer.Typer(
    name="mirograph",
    help="Long-horizon research agents on LangGraph, checkpointed to SQLite.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_PAUSED = 0, 1, 2, 3
DEFAULT_DB = Path("mirograph.sqlite")
HEARTBEAT_SECONDS = 30.0  # well inside the lease's staleness window for other hosts

DbOption = Annotated[
    Path, typer.Option("--db", help="SQLite file holding the threads.", envvar="MIROGRAPH_DB")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One readable line on stderr, then exit."""
    display.err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn mirograph's user-facing errors into one line and exit code 2."""
    try:
        yield
    except MirographError as exc:
        fail(str(exc))


@app.command()
def run(
    question: Annotated[str, typer.Argument(help="The research question.")],
    db: DbOption = DEFAULT_DB,
    thread: Annotated[str | None, typer.Option(help="Thread id (default: a new one).")] = None,
    model: Annotated[
        str, typer.Option(help="PROVIDER:MODEL or scripted:PATH.", envvar="MIROGRAPH_MODEL")
    ] = "",
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint.")] = "",
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the API key.")
    ] = "",
    protocol: Annotated[
        ToolProtocol, typer.Option(help="Tool protocol: native, mirothinker, or auto.")
    ] = "auto",
    max_tool_calls: Annotated[int, typer.Option(min=0, help="Tool-call budget.")] = 600,
    keep_tool_results: Annotated[
        int, typer.Option(min=-1, help="Tool results shown in full (K); -1: all.")
    ] = 5,
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus index (from `mirograph index`).")
    ] = None,
    tool: Annotated[
        list[str] | None,
        typer.Option("--tool", help="Enable a tool by name or module:attribute (repeatable)."),
    ] = None,
    verify: Annotated[VerifyMode, typer.Option(help="Answer verification.")] = "auto",
    answer_format: Annotated[
        AnswerFormat, typer.Option("--format", help="short, boxed or report.")
    ] = "short",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the report (report format) or the answer to PATH."),
    ] = None,
    review: Annotated[
        ReviewMode,
        typer.Option(help="Ask a human before each tool call (tools) or the answer (answer)."),
    ] = "none",
    as_json: JsonOption = False,
) -> None:
    """Research QUESTION until it is answered, saving every step to the database."""
    with user_errors():
        if not question.strip():
            raise InputError("the question is empty")
        if out is not None and (out.is_dir() or not out.parent.is_dir()):
            raise InputError(f"--out {out}: not a file path in an existing directory")
        settings = ResearchContext(
            model=model,
            base_url=base_url,
            api_key_env=api_key_env,
            tool_protocol=protocol,
            max_tool_calls=max_tool_calls,
            keep_tool_results=keep_tool_results,
            corpus=str(corpus.resolve()) if corpus else "",
            verify=verify,
            answer_format=answer_format,
            review=review,
            **({"tools": tuple(tool)} if tool else {}),
        )
        resources = resolve_resources(settings)
        thread_id = thread or uuid.uuid4().hex[:12]
        with open_checkpointer(db) as saver:
            if thread and saver.get_thread(thread) is not None:
                raise InputError(f"thread {thread} exists: continue it with `mirograph resume`")
            saver.set_thread_settings(thread_id, settings.to_dict())
            result = execute(saver, resources, settings, thread_id, question, as_json=as_json)
            result = answer_reviews(
                result,
                lambda answers: execute(
                    saver, resources, settings, thread_id, None, as_json=as_json, resume=answers
                ),
                as_json=as_json,
            )
    if out is not None and not result.paused and not result.interrupted:
        write_output(out, result.values.get("report") or result.answer)
    finish(result, db, as_json=as_json)


def write_output(path: Path, text: str) -> None:
    """Write the finished run's report or answer; the thread is saved whatever happens."""
    try:
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror} (the run is saved in the database)")


@app.command()
def resume(
    thread: Annotated[str, typer.Argument(help="The thread to continue.")],
    db: DbOption = DEFAULT_DB,
    approve: Annotated[
        bool, typer.Option("--approve", help="Approve every pending tool call or answer.")
    ] = False,
    edit_args: Annotated[
        str | None,
        typer.Option("--edit-args", metavar="JSON", help="Run the pending tool call with these."),
    ] = None,
    reject: Annotated[
        str | None,
        typer.Option("--reject", metavar="REASON", help="Reject the pending tool calls."),
    ] = None,
    feedback: Annotated[
        str | None,
        typer.Option("--feedback", metavar="TEXT", help="Send the pending answer back."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Continue a paused or interrupted thread from its last checkpoint.

    A thread waiting for a human review is answered with one of the flags, or, on a
    terminal, at a prompt.
    """
    with user_errors(), open_existing(db) as saver:
        settings = thread_settings(saver, thread)
        answers = review_prompt.flag_decisions(
            pending_reviews(saver, thread),
            approve=approve,
            edit_args=edit_args,
            reject=reject,
            feedback=feedback,
        )
        resources = resolve_resources(settings)
        result = answer_reviews(
            execute(saver, resources, settings, thread, None, as_json=as_json, resume=answers),
            lambda more: execute(
                saver, resources, settings, thread, None, as_json=as_json, resume=more
            ),
            as_json=as_json,
        )
    finish(result, db, as_json=as_json)


def pending_reviews(saver: MirographSaver, thread_id: str) -> tuple[Interrupt, ...]:
    """The interrupts a thread waits on (its head checkpoint's), without running anything."""
    graph = build_research_graph(checkpointer=saver)
    return graph.get_state({"configurable": {"thread_id": thread_id}}).interrupts


@app.command()
def threads(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """List the threads in the database."""
    with user_errors(), open_existing(db) as saver:
        rows = [
            {k: v for k, v in dataclasses.asdict(info).items() if k != "settings"}
            for info in saver.list_threads()
        ]
    if as_json:
        display.out.print_json(data=rows)
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
    with user_errors(), open_existing(db) as saver:
        thread_settings(saver, thread)
        values = (
            build_research_graph(checkpointer=saver)
            .get_state({"configurable": {"thread_id": thread}})
            .values
        )
    data = {
        "thread_id": thread,
        "question": values.get("question", ""),
        "status": values.get("status", "researching"),
        "verified": values.get("verified"),
        "answer": values.get("answer", ""),
        "report": values.get("report", ""),
        # Unfinished threads have no `sources` yet: derive them from the transcript.
        "sources": values.get("sources") or collect_sources(values.get("messages", [])),
        "tool_calls_used": values.get("tool_calls_used", 0),
        "summary": values.get("summary", ""),
        "messages": len(values.get("messages", [])),
    }
    if fmt == "json":
        display.out.print_json(data=data)
    else:
        typer.echo(show_markdown(data))


def show_markdown(data: dict[str, Any]) -> str:
    """A thread as markdown: the report (or the question and answer), every retrieved
    source by number, and a status line."""
    parts = [
        data["report"].rstrip()
        or f"# {data['question'] or data['thread_id']}\n\n{data['answer'] or '(no answer yet)'}"
    ]
    if data["sources"]:
        heading = "## All retrieved sources" if data["report"] else "## Sources"
        parts.append(heading + "\n\n" + "\n".join(f"- {format_source(s)}" for s in data["sources"]))
    verified = {True: " · verified", False: " · not verified"}.get(data["verified"], "")
    parts.append(
        f"_thread {data['thread_id']} · {data['status']}{verified} · "
        f"{data['tool_calls_used']} tool calls_"
    )
    return "\n\n".join(parts)


@app.command()
def history(
    thread: Annotated[str, typer.Argument(help="The thread whose steps to list.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """List the steps of a thread's own lineage: tool-call number, node, checkpoint id."""
    with user_errors(), open_existing(db) as saver:
        thread_settings(saver, thread)
        steps = saver.history(thread)
    if as_json:
        display.out.print_json(data=[dataclasses.asdict(step) for step in steps])
    else:
        display.out.print(display.history_table(steps))


@app.command()
def fork(
    thread: Annotated[str, typer.Argument(help="The thread to branch from.")],
    step: Annotated[
        int | None, typer.Option(min=0, help="Fork right after the N-th tool call's result.")
    ] = None,
    checkpoint: Annotated[str | None, typer.Option(help="Fork at this checkpoint id.")] = None,
    new_thread: Annotated[str | None, typer.Option(help="Id of the new thread.")] = None,
    note: Annotated[str | None, typer.Option(help="A hint added as a user message.")] = None,
    max_tool_calls: Annotated[
        int | None, typer.Option(min=0, help="A new tool-call budget for the branch.")
    ] = None,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Branch a thread at an earlier step into a new thread; the parent is never modified."""
    if (step is None) == (checkpoint is None):
        fail("give exactly one of --step N or --checkpoint ID")
    with user_errors(), open_existing(db) as saver:
        settings = thread_settings(saver, thread)
        if max_tool_calls is not None:
            settings = settings.replace(max_tool_calls=max_tool_calls)
        child = fork_at(saver, thread, settings, step=step, checkpoint_id=checkpoint,
                        new_thread_id=new_thread, note=note)
        info = saver.get_thread(child)
    data = {"thread_id": child, "parent_thread_id": thread,
            "parent_checkpoint_id": info.parent_checkpoint_id if info else checkpoint,
            "fork_step": info.fork_step if info else step}
    if as_json:
        display.out.print_json(data=data)
    else:
        display.out.print(
            f"forked {thread} into {child} — continue with: mirograph resume {child} --db {db}",
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
        report = index_corpus(directory, corpus)
    display.out.print(
        f"indexed {directory} into {corpus}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed",
        highlight=False,
    )


def resolve_resources(settings: ResearchContext) -> Resources:
    """Resolve models and tools now, so a bad setting fails before any work starts."""
    base = Resources()
    model = base.chat_model(settings, "planner")
    return Resources(
        model=model,
        summarizer_model=base.chat_model(settings, "summarizer")
        if settings.summarizer_model
        else None,
        verifier_model=base.chat_model(settings, "verifier") if settings.verifier_model else None,
        tools=list(base.tools_for(settings).values()),
    )


def execute(
    saver: MirographSaver,
    resources: Resources,
    settings: ResearchContext,
    thread_id: str,
    question: str | None,
    *,
    as_json: bool,
    resume: dict[str, Any] | None = None,
) -> RunResult:
    """Run a thread under its lease, turning SIGINT/SIGTERM into a drain.

    `resume` answers the reviews the thread waits for (`{interrupt_id: decision}`).
    """
    graph = build_research_graph(
        model=resources.model,
        tools=resources.tools,
        summarizer_model=resources.summarizer_model,
        verifier_model=resources.verifier_model,
        checkpointer=saver,
    )
    control = RunControl()
    with (
        saver.acquire_lease(thread_id) as lease,
        drain_on_signals(control),
        display.live_progress(not as_json) as draw,
    ):
        beat = time.monotonic()

        def on_progress(progress: Progress) -> None:
            nonlocal beat
            if time.monotonic() - beat > HEARTBEAT_SECONDS:
                lease.heartbeat()
                beat = time.monotonic()
            draw(progress)

        return run_thread(
            graph,
            thread_id=thread_id,
            settings=settings,
            question=question,
            control=control,
            on_progress=on_progress,
            resume=resume,
        )


def answer_reviews(
    result: RunResult, go_on: Callable[[dict[str, Any]], RunResult], *, as_json: bool
) -> RunResult:
    """On a terminal, ask the human about each pending review and go on with the answers.

    Off a terminal (or with --json) the result is returned as it is: `finish` says how to
    answer with `mirograph resume`. No lease is held while the human thinks.
    """
    while result.interrupted and not as_json and sys.stdin.isatty():
        result = go_on(review_prompt.prompt_decisions(result.interrupts, display.err))
    return result


@contextmanager
def drain_on_signals(control: RunControl) -> Iterator[None]:
    """First SIGINT/SIGTERM: pause at the next step boundary. Second: exit at once.

    Exiting at once is safe: every step is committed atomically, so the file stays whole.
    """

    def handle(signum: int, frame: Any) -> None:
        if control.draining:
            os._exit(128 + signum)
        control.request_drain()
        display.err.print("[yellow]pausing after the current step… (again to quit now)[/yellow]")

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def finish(result: RunResult, db: Path, *, as_json: bool) -> NoReturn:
    """Print the outcome and exit with its code."""
    data = {
        "thread_id": result.thread_id,
        "status": result.status,
        "answer": result.answer,
        "tool_calls_used": result.tool_calls_used,
    }
    if result.paused:
        line = (
            f"paused after {result.tool_calls_used} tool calls — resume with: "
            f"mirograph resume {result.thread_id} --db {db}"
        )
        if as_json:
            display.print_result(data, as_json=True)
        display.err.print(line, highlight=False)
        raise typer.Exit(EXIT_PAUSED)
    if result.interrupted:
        if as_json:
            reviews = [{"id": i.id, "value": i.value} for i in result.interrupts]
            display.print_result({**data, "interrupts": reviews}, as_json=True)
        waiting = "\n".join(f"  - {review_prompt.describe(i)}" for i in result.interrupts)
        display.err.print(
            f"waiting for review:\n{waiting}\ncontinue with: mirograph resume "
            f"{result.thread_id} --db {db}  (prompts on a terminal; or --approve, "
            "--edit-args JSON, --reject REASON, --feedback TEXT)",
            highlight=False,
        )
        raise typer.Exit(EXIT_PAUSED)
    display.print_result(data, as_json=as_json)
    raise typer.Exit(EXIT_FAILED if result.status == "failed" else EXIT_DONE)


@contextmanager
def open_existing(db: Path) -> Iterator[MirographSaver]:
    """Open a database that must already exist (reading never creates one)."""
    if not db.exists():
        raise ThreadNotFound(f"no database at {db} (run `mirograph run` first or pass --db)")
    with open_checkpointer(db) as saver:
        yield saver


def thread_settings(saver: MirographSaver, thread_id: str) -> ResearchContext:
    """The settings stored with a thread; ThreadNotFound when there is no such thread."""
    info = saver.get_thread(thread_id)
    if info is None:
        raise ThreadNotFound(f"no thread {thread_id!r} in this database (see `mirograph threads`)")
    return ResearchContext.from_dict(info.settings or server_run_settings(saver, thread_id))


def server_run_settings(saver: MirographSaver, thread_id: str) -> dict[str, Any]:
    """Settings of a thread started through `langgraph dev` (Studio, the SDK).

    The API server stores no settings row, but copies each run's context into the metadata
    of its checkpoints; `ResearchContext.from_dict` keeps only the setting names.
    """
    saved = saver.get_tuple({"configurable": {"thread_id": thread_id}})
    return dict(saved.metadata) if saved is not None else {}


def main() -> None:
    app()

from mirograph.eval.cli import eval_command, export_command  # noqa: E402

app.command("eval")(eval_command)
app.command("export")(export_command)
