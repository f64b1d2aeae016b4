"""The `mirograph` command.

Every mistake a user can make (empty question, unknown thread, a database that is not
one, a bad model string, a missing API key, an unreadable script) ends with one line on
stderr and exit code 2, before any work starts and without touching saved data.
Exit codes: 0 done, 1 failed, 2 usage error, 3 paused.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from mirograph import _cli_settings as opts
from mirograph import _cli_stops as stops
from mirograph import _display as display
from mirograph._cli_common import (
    DEFAULT_DB,
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_PAUSED,
    EXIT_USAGE,
    DbOption,
    JsonOption,
    app,
    fail,
    open_existing,
    thread_settings,
    user_errors,
)
from mirograph.checkpoints import open_checkpointer
from mirograph.choices import (
    CONTEXT_WINDOW_TOKENS,
    AnswerFormat,
    ReviewMode,
    SearchBackend,
    ToolProtocol,
    VerifyMode,
)
from mirograph.errors import InputError

if TYPE_CHECKING:
    from langgraph.types import Interrupt

    from mirograph.checkpoints import MirographSaver
    from mirograph.context import ResearchContext
    from mirograph.resources import Resources
    from mirograph.runner import RunControl, RunResult


@app.command()
def run(
    question: Annotated[str, typer.Argument(help="The research question.")],
    db: DbOption = DEFAULT_DB,
    thread: Annotated[
        str | None,
        typer.Option(
            help="A name for the thread (its label; the id is a new UUID, which Studio "
            "accepts), or a UUID to use as the id."
        ),
    ] = None,
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
    tool_choice: Annotated[
        str, typer.Option(help="Force tool calls: required, or a tool name; empty: model decides.")
    ] = "",
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
    search_backend: Annotated[
        SearchBackend, typer.Option(help="web_search backend; auto: Tavily with a key.")
    ] = "auto",
    fetch_allow: Annotated[
        list[str] | None,
        typer.Option("--fetch-allow", help="Private host or CIDR fetch_page may reach."),
    ] = None,
    mcp_config: Annotated[
        Path | None, typer.Option(help="JSON file of MCP servers to load tools from.")
    ] = None,
    context_window: Annotated[
        int, typer.Option(min=1, help="Tokens the model accepts.")
    ] = CONTEXT_WINDOW_TOKENS,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature.")] = None,
    top_p: Annotated[float | None, typer.Option(help="Nucleus sampling.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Max output tokens per call.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Research QUESTION until it is answered, saving every step to the database.

    A scripted model (--model scripted:PATH) replays a JSON list of responses (or JSONL,
    one a line); response i answers a model input holding i AI messages, so a resumed run
    continues the script. A string is a final answer; an object may hold "content" (a
    string) and "tool_calls", a list of {"name": TOOL, "args": {...}} ("id" optional);
    any other object is a structured-output reply (the LLM verifier's).
    """
    from mirograph.context import ResearchContext

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
            tool_choice=tool_choice,
            max_tool_calls=max_tool_calls,
            keep_tool_results=keep_tool_results,
            corpus=str(corpus.resolve()) if corpus else "",
            verify=verify,
            answer_format=answer_format,
            review=review,
            search_backend=search_backend,
            fetch_allow=tuple(fetch_allow or ()),
            mcp_config=str(mcp_config.resolve()) if mcp_config else "",
            context_window_tokens=context_window,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
            **({"tools": tuple(tool)} if tool else {}),
        ).with_absolute_paths()
        resources = resolve_resources(settings)
        with open_checkpointer(db) as saver:
            thread_id = new_thread_id(saver, thread, db)
            result = execute(
                saver, resources, settings, thread_id, question, db=db, as_json=as_json
            )
            result = answer_reviews(
                result,
                lambda answers: execute(
                    saver,
                    resources,
                    settings,
                    thread_id,
                    None,
                    db=db,
                    as_json=as_json,
                    resume=answers,
                ),
                as_json=as_json,
            )
            label = thread_label(saver, thread_id)
    if out is not None and not result.paused and not result.interrupted:
        write_output(out, result.values.get("report") or result.answer)
    finish(result, db, as_json=as_json, label=label)


def new_thread_id(saver: MirographSaver, name: str | None, db: str | Path) -> str:
    """The id for `run --thread NAME`: a fresh UUID (as `langgraph dev` requires) labelled
    NAME; NAME itself if it is a UUID, or the id of a thread that never got its first step.
    A thread NAME already names (id or label) is refused: that is what `resume` is for."""
    from mirograph.checkpoints.labels import find_thread, new_thread

    existing = find_thread(saver, name) if name else None
    if existing is not None:
        if saver.latest_checkpoint_id(existing):  # the runner checks it again, under the lease
            raise InputError(
                f"thread {name} exists: continue it with: {stops.resume_command(name, db)}"
            )
        return existing
    thread_id, label = new_thread(name)
    if label is not None:
        saver.stage_thread_label(thread_id, label)  # stored with the first checkpoint
    return thread_id


def thread_label(saver: MirographSaver, thread_id: str) -> str | None:
    info = saver.get_thread(thread_id)
    return info.label if info is not None else None


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
    """Continue a paused or interrupted thread from its last checkpoint.

    A thread waiting for a human review is answered with one of the flags, or, on a
    terminal, at a prompt. Run settings given here (e.g. --model for a thread made in
    Python, or another model for a branch) replace the stored ones from now on.
    """
    from mirograph import _review_prompt as review_prompt
    from mirograph.checkpoints.labels import resolve_thread

    with user_errors(), open_existing(db) as saver:
        thread = resolve_thread(saver, thread)
        stored = thread_settings(saver, thread)
        settings = opts.changed_settings(
            stored,
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
        answers = review_prompt.flag_decisions(
            pending_reviews(saver, thread),
            approve=approve,
            edit_args=edit_args,
            reject=reject,
            feedback=feedback,
        )
        resources = resolve_resources(settings)
        if settings != stored:  # resolved first: a bad setting is never stored
            saver.set_thread_settings(thread, settings.to_dict())
        result = answer_reviews(
            execute(
                saver, resources, settings, thread, None, db=db, as_json=as_json, resume=answers
            ),
            lambda more: execute(
                saver, resources, settings, thread, None, db=db, as_json=as_json, resume=more
            ),
            as_json=as_json,
        )
        label = thread_label(saver, thread)
    finish(result, db, as_json=as_json, label=label)


def pending_reviews(saver: MirographSaver, thread_id: str) -> tuple[Interrupt, ...]:
    """The interrupts a thread waits on (its head checkpoint's), without running anything."""
    from mirograph.graphs.research import build_research_graph

    graph = build_research_graph(checkpointer=saver)
    return graph.get_state({"configurable": {"thread_id": thread_id}}).interrupts


def resolve_resources(settings: ResearchContext) -> Resources:
    """Resolve models and tools now, so a bad setting fails before any work starts."""
    from mirograph.resources import Resources

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
    db: str | Path,
    as_json: bool,
    resume: dict[str, Any] | None = None,
) -> RunResult:
    """Run a thread under its lease, turning SIGINT/SIGTERM into a drain.

    `resume` answers the reviews the thread waits for (`{interrupt_id: decision}`).
    """
    from mirograph.graphs.research import build_research_graph
    from mirograph.runner import RunControl, run_thread, thread_config
    from mirograph.tools.mcp import close_tools

    graph = build_research_graph(
        model=resources.model,
        tools=resources.tools,
        summarizer_model=resources.summarizer_model,
        verifier_model=resources.verifier_model,
        checkpointer=saver,
    )
    with drain_on_signals(RunControl()) as control, display.live_progress(not as_json) as draw:
        try:
            return run_thread(
                graph,
                thread_id=thread_id,
                settings=settings,
                question=question,
                control=control,
                on_progress=draw,
                resume=resume,
            )
        except Exception as exc:  # only failures that are not bugs end in one line; rest raise
            if not stops.is_stopping_error(exc):
                raise
            messages = graph.get_state(thread_config(thread_id, settings)).values.get("messages")
            name = thread_label(saver, thread_id) or thread_id
            fail(stops.stop_message(exc, name, db, messages or []), code=EXIT_FAILED)
        finally:  # the run ended or paused: its MCP servers stop (a later call restarts one)
            close_tools(resources.tools or ())


def answer_reviews(
    result: RunResult, go_on: Callable[[dict[str, Any]], RunResult], *, as_json: bool
) -> RunResult:
    """On a terminal, ask the human about each pending review and go on with the answers.

    Off a terminal (or with --json) the result is returned as it is: `finish` says how to
    answer with `mirograph resume`. No lease is held while the human thinks.
    """
    from mirograph import _review_prompt as review_prompt

    while result.interrupted and not as_json and sys.stdin.isatty():
        result = go_on(review_prompt.prompt_decisions(result.interrupts, display.err))
    return result


@contextmanager
def drain_on_signals(control: RunControl) -> Iterator[RunControl]:
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
        yield control
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def finish(
    result: RunResult, db: str | Path, *, as_json: bool, label: str | None = None
) -> NoReturn:
    """Print the outcome and exit with its code; hints name the thread by its label."""
    name = label or result.thread_id
    data = {
        "thread_id": result.thread_id,
        "label": label,
        "status": result.status,
        "answer": result.answer,
        "tool_calls_used": result.tool_calls_used,
    }
    if result.paused:
        line = (
            f"paused after {display.tool_calls(result.tool_calls_used)} — resume with: "
            f"{stops.resume_command(name, db)}"
        )
        if as_json:
            display.print_result(data, as_json=True)
        display.err.print(line, highlight=False)
        raise typer.Exit(EXIT_PAUSED)
    if result.interrupted:
        if as_json:
            reviews = [{"id": i.id, "value": i.value} for i in result.interrupts]
            display.print_result({**data, "interrupts": reviews}, as_json=True)
        from mirograph import _review_prompt as review_prompt

        waiting = "\n".join(f"  - {review_prompt.describe(i)}" for i in result.interrupts)
        display.err.print(
            f"waiting for review:\n{waiting}\ncontinue with: "
            f"{stops.resume_command(name, db)}  (prompts on a terminal; or --approve, "
            "--edit-args JSON, --reject REASON, --feedback TEXT)",
            highlight=False,
        )
        raise typer.Exit(EXIT_PAUSED)
    display.print_result(data, as_json=as_json)
    raise typer.Exit(EXIT_FAILED if result.status == "failed" else EXIT_DONE)


def main(argv: list[str] | None = None) -> NoReturn:
    """The console entry point: typer's own usage errors become one line and exit 2."""
    from typer._click import exceptions as usage  # typer vendors click

    command = typer.main.get_command(app)
    quiet_flags(command)
    try:
        code = command.main(args=argv, prog_name="mirograph", standalone_mode=False)
    except usage.NoArgsIsHelpError as exc:
        exc.show()  # the help text, as `--help` prints it
        sys.exit(EXIT_USAGE)
    except usage.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "mirograph"
        display.err.print(
            f"[red]error:[/red] {exc.format_message()} (see: {where} --help)", highlight=False
        )
        sys.exit(EXIT_USAGE)
    except usage.ClickException as exc:
        display.err.print(f"[red]error:[/red] {exc.format_message()}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(EXIT_FAILED)
    sys.exit(code if isinstance(code, int) else EXIT_DONE)


def quiet_flags(command: Any) -> None:
    """Show no `<bool>` type next to on/off flags in `--help` (they take no value)."""
    from typer._click.core import Context

    help_option = command.get_help_option(Context(command))  # made once, then cached
    for param in [*command.params, *([help_option] if help_option else [])]:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        quiet_flags(sub)


# The other commands register themselves on import.
from mirograph import _cli_studio, _cli_threads, _cli_ui  # noqa: E402, F401
from mirograph.eval.cli import eval_command, export_command  # noqa: E402

app.command("eval")(eval_command)
app.command("export")(export_command)
