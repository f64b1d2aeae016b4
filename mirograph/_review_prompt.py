"""Human review in the terminal: answer a run's pending interrupts.

Two ways, one result (a `{interrupt_id: decision}` map for `run_thread(resume=...)`):
- `prompt_decisions` asks on a terminal, one pending review after the other;
- `flag_decisions` applies `mirograph resume` flags, for scripts and CI.
The decisions are the ones `mirograph.review` documents.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Prompt

from mirograph.errors import InputError

if TYPE_CHECKING:
    from langgraph.types import Interrupt

Decisions = dict[str, Any]
ATTEMPTS = 3
"""Unusable inputs in a row before the prompt gives up (closed stdin returns "")."""


def describe(item: Interrupt) -> str:
    """One line about a pending review, for messages and prompts."""
    value = item.value if isinstance(item.value, dict) else {}
    if value.get("kind") == "tool_call":
        call = value["tool_call"]
        args = json.dumps(call.get("args", {}), ensure_ascii=False)
        return f"tool call #{value.get('step', '?')}: {call['name']}({args})"
    if value.get("kind") == "answer":
        return "the candidate answer"
    return f"interrupt {item.id}: {item.value!r}"


def flag_decisions(
    pending: Sequence[Interrupt],
    *,
    approve: bool = False,
    edit_args: str | None = None,
    reject: str | None = None,
    feedback: str | None = None,
) -> Decisions | None:
    """The decisions `mirograph resume` flags give; None when no flag was given.

    `--approve` approves everything pending; `--reject` rejects every pending tool call;
    `--edit-args` and `--feedback` answer the one pending tool call or answer.
    """
    given = [approve, edit_args is not None, reject is not None, feedback is not None]
    if sum(given) > 1:
        raise InputError("give one of --approve, --edit-args, --reject, --feedback")
    if not any(given):
        return None
    if not pending:
        raise InputError("the thread is not waiting for a review (see `mirograph history`)")
    kinds = {_kind(item) for item in pending}
    if approve:
        return {item.id: {"action": "approve"} for item in pending}
    if feedback is not None:
        if kinds != {"answer"}:
            raise InputError("--feedback answers a pending answer review; tool calls wait here")
        if not feedback.strip():
            raise InputError("--feedback needs a text")
        return {item.id: {"action": "feedback", "text": feedback} for item in pending}
    if kinds != {"tool_call"}:
        raise InputError("--edit-args and --reject answer pending tool calls; an answer waits")
    if reject is not None:
        reason = reject.strip() or "no reason given"
        return {item.id: {"action": "reject", "reason": reason} for item in pending}
    if len(pending) != 1:
        raise InputError(
            f"{len(pending)} tool calls wait for review; --edit-args edits exactly one "
            "(answer them one by one in a terminal: `mirograph resume THREAD`)"
        )
    return {pending[0].id: {"action": "edit", "args": parse_args(str(edit_args))}}


def parse_args(text: str) -> dict[str, Any]:
    """New tool arguments given as a JSON object."""
    try:
        args = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"--edit-args is not JSON: {exc}") from None
    if not isinstance(args, dict):
        raise InputError('--edit-args must be a JSON object, e.g. {"query": "..."}')
    return args


def prompt_decisions(
    pending: Sequence[Interrupt], console: Console, stream: IO[str] | None = None
) -> Decisions:
    """Ask about each pending review on the terminal (`stream`: input, for tests)."""
    decisions: Decisions = {}
    for item in pending:
        value = item.value if isinstance(item.value, dict) else {}
        if value.get("error"):
            console.print(f"[red]{value['error']}[/red]", highlight=False)
        if value.get("kind") == "answer":
            decisions[item.id] = _ask_answer(value, console, stream)
        else:
            decisions[item.id] = _ask_tool_call(value, console, stream)
    return decisions


def _ask_tool_call(value: dict[str, Any], console: Console, stream: IO[str] | None) -> Any:
    call = value.get("tool_call", {})
    args = json.dumps(call.get("args", {}), ensure_ascii=False, indent=2)
    title = f"tool call #{value.get('step', '?')}: {call.get('name', '?')}"
    console.print(Panel(args, title=title, title_align="left"))
    action = Prompt.ask(
        "approve, edit or reject?",
        choices=["approve", "edit", "reject"],
        default="approve",
        console=console,
        stream=stream,
    )
    if action == "reject":
        reason = Prompt.ask("reason", default="", console=console, stream=stream)
        return {"action": "reject", "reason": reason or "no reason given"}
    if action == "edit":
        for _ in range(ATTEMPTS):
            text = Prompt.ask(
                "new arguments (JSON)",
                default=json.dumps(call.get("args", {}), ensure_ascii=False),
                console=console,
                stream=stream,
            )
            try:
                return {"action": "edit", "args": parse_args(text)}
            except InputError as exc:
                console.print(f"[red]{exc}[/red]", highlight=False)
        raise InputError("no valid JSON arguments given; the call still waits for review")
    return {"action": "approve"}


def _ask_answer(value: dict[str, Any], console: Console, stream: IO[str] | None) -> Any:
    console.print(Panel(Markdown(value.get("answer") or "(empty)"), title="candidate answer"))
    action = Prompt.ask(
        "approve, or send feedback?",
        choices=["approve", "feedback"],
        default="approve",
        console=console,
        stream=stream,
    )
    if action == "feedback":
        for _ in range(ATTEMPTS):
            text = Prompt.ask("feedback", console=console, stream=stream).strip()
            if text:
                return {"action": "feedback", "text": text}
        raise InputError("no feedback given; the answer still waits for review")
    return {"action": "approve"}


def _kind(item: Interrupt) -> str:
    return item.value.get("kind", "") if isinstance(item.value, dict) else ""
