"""`mirograph eval` and `mirograph export` (registered in `mirograph.cli`).

User mistakes (unreadable data, bad model string, an --out that already holds an eval
without --resume) end with one line and exit code 2, before any work starts. Ctrl-C
stops the eval; every finished step is saved, and `--resume` continues it (exit 3).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mirograph import _display as display
from mirograph.checkpoints import is_database_url, open_checkpointer
from mirograph.choices import VerifyMode
from mirograph.errors import InputError, MirographError, ThreadNotFound
from mirograph.eval.data import DataFormat, detect_format, load_tasks, parse_fields, read_rows

if TYPE_CHECKING:
    from mirograph.eval.judges import JudgeKind
    from mirograph.eval.runner import Engine

EXIT_USAGE, EXIT_INTERRUPTED = 2, 3


def _fail(message: str) -> typer.Exit:
    display.err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(EXIT_USAGE)


def parse_budgets(text: str) -> list[int]:
    """`8,16,32` -> [8, 16, 32]."""
    try:
        budgets = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--scaling takes comma-separated budgets, not {text!r}") from None
    if not budgets or min(budgets) < 1:
        raise InputError("--scaling budgets must be positive integers, e.g. 8,16,32")
    return budgets


def eval_command(
    data: Annotated[Path, typer.Argument(help="Tasks: JSONL, JSON or CSV.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for eval.sqlite and results.")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database for threads and results (postgresql://...); default OUT/eval.sqlite.",
            envvar="MIROGRAPH_DB",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (asyncio, default) or ray (needs a postgresql:// --db).")
    ] = "local",
    workers: Annotated[int, typer.Option(min=1, help="Ray actors (--engine ray).")] = 2,
    ray_address: Annotated[
        str | None, typer.Option(help="An existing Ray cluster (default: start a local one).")
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            help="PROVIDER:MODEL, scripted:PATH or python:MODULE:ATTR.", envvar="MIROGRAPH_MODEL"
        ),
    ] = "",
    judge_model: Annotated[
        str, typer.Option(help="Judge model; none: normalized exact match only.")
    ] = "",
    judge: Annotated[
        str, typer.Option(help="equivalence, hle or browsecomp; default: by data layout.")
    ] = "",
    concurrency: Annotated[int, typer.Option(min=1, help="Runs in flight at once.")] = 4,
    runs: Annotated[int, typer.Option(min=1, help="Runs per task (avg@N, pass@k).")] = 1,
    max_tool_calls: Annotated[int, typer.Option(min=0, help="Tool-call budget per run.")] = 600,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N tasks.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the eval in --out.")] = False,
    scaling: Annotated[
        str, typer.Option(help="Budgets for the interaction-scaling curve, e.g. 8,16,32.")
    ] = "",
    data_format: Annotated[
        str, typer.Option("--format", help="auto, standard, gaia, browsecomp or hle.")
    ] = "auto",
    fields: Annotated[
        str, typer.Option(help="Field mapping: question=COL,answer=COL[,id=COL][,file=COL].")
    ] = "",
    files: Annotated[Path | None, typer.Option(help="Folder of attached files.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Corpus index for search_corpus.")] = None,
    tool: Annotated[
        list[str] | None, typer.Option("--tool", help="Enable a tool (repeatable).")
    ] = None,
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible endpoint.")] = "",
    verify: Annotated[VerifyMode, typer.Option(help="Answer verification.")] = "auto",
    rps: Annotated[
        float | None, typer.Option(help="Model requests per second, shared by all runs.")
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option(help='Prices, JSON {"provider:model": \\[in, out]} USD/1M tokens.'),
    ] = None,
) -> None:
    """Run a benchmark: every task as a checkpointed thread, graded, summarized."""
    # Imported here: `mirograph threads` and `history` should not pay for the eval stack.
    from mirograph.eval.models import resolve_eval_model
    from mirograph.eval.results import print_summary
    from mirograph.eval.runner import arun_eval
    from mirograph.eval.usage import load_prices

    try:
        tasks, kind = _tasks_and_judge(data, data_format, fields, files, limit, judge)
        from mirograph.context import ResearchContext

        settings = ResearchContext(
            model=model,
            base_url=base_url,
            max_tool_calls=max_tool_calls,
            corpus=str(corpus.resolve()) if corpus else "",
            verify=verify,
            **({"tools": tuple(tool)} if tool else {"tools": ()} if corpus else {}),
        )
        coroutine = arun_eval(
            tasks,
            out_dir=out,
            settings=settings,
            judge_model=resolve_eval_model(judge_model, settings) if judge_model else None,
            judge_kind=_judge_kind(kind),
            runs=runs,
            concurrency=concurrency,
            resume=resume,
            scaling=parse_budgets(scaling) if scaling else (),
            requests_per_second=rps,
            prices=load_prices(prices),
            show_progress=True,
            db=db,
            engine=_engine(engine),
            workers=workers,
            ray_address=ray_address,
        )
        import asyncio

        report = asyncio.run(coroutine)
    except MirographError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        display.err.print(f"interrupted — continue with: {resume_line()}", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    print_summary(report.summary, display.out)
    if report.summary.get("scaling", {}).get("plot_skipped"):
        display.err.print(report.summary["scaling"]["plot_skipped"], highlight=False)
    display.err.print(f"[dim]results in {out}/results.jsonl and {out}/summary.json[/dim]")


def _tasks_and_judge(
    data: Path,
    data_format: str,
    fields: str | None,
    files: Path | None,
    limit: int | None,
    judge: str | None,
) -> tuple[list, str]:
    """The tasks of the dataset, and the judge kind (the dataset's default unless given)."""
    from mirograph.eval.judges import default_judge_kind

    if data_format not in ("auto", "standard", "gaia", "browsecomp", "hle"):
        raise InputError(f"unknown --format {data_format!r}")
    fmt: DataFormat = data_format  # type: ignore[assignment]
    tasks = load_tasks(
        data,
        data_format=fmt,
        fields=parse_fields(fields) if fields else None,
        files_dir=files,
        limit=limit,
    )
    if not judge and not fields:
        layout = fmt if fmt != "auto" else detect_format(read_rows(data)[0])
        judge = default_judge_kind(layout)
    return tasks, judge or "equivalence"


def resume_line() -> str:
    """The command as it was typed, with `--resume`: every other option must stay the same
    (the model, budgets, judge), so pasting it continues the same eval."""
    args = sys.argv[1:]
    return shlex.join(["mirograph", *args, *([] if "--resume" in args else ["--resume"])])


def _engine(engine: str) -> Engine:
    if engine not in ("local", "ray"):
        raise InputError(f"unknown --engine {engine!r}: use local or ray")
    return engine  # type: ignore[return-value]


def _judge_kind(kind: str) -> JudgeKind:
    if kind not in ("equivalence", "hle", "browsecomp"):
        raise InputError(f"unknown --judge {kind!r}: use equivalence, hle or browsecomp")
    return kind  # type: ignore[return-value]


def export_command(
    thread: Annotated[str, typer.Argument(help="The thread to export.")],
    db: Annotated[
        str,
        typer.Option(
            "--db",
            help="SQLite file (an eval's DIR/eval.sqlite) or postgresql:// URL.",
            envvar="MIROGRAPH_DB",
        ),
    ] = "mirograph.sqlite",
    fmt: Annotated[str, typer.Option("--format", help="json or chatml.")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """Print a thread's full transcript (tool calls and results) as JSON or ChatML."""
    from mirograph.checkpoints.labels import resolve_thread
    from mirograph.eval.export import export_thread

    try:
        if fmt not in ("json", "chatml"):
            raise InputError(f"--format must be json or chatml, not {fmt!r}")
        if not is_database_url(db) and not Path(db).exists():
            raise ThreadNotFound(f"no database at {db} (pass --db)")
        with open_checkpointer(db) as saver:
            thread_id = resolve_thread(saver, thread)  # its id, label or a unique prefix
            data = export_thread(saver, thread_id, fmt)  # type: ignore[arg-type]
    except MirographError as exc:
        raise _fail(str(exc)) from None
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)
