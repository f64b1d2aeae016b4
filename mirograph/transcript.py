"""Pure functions over the message list: calls, their numbers and results, the answer.

Models and nodes both read the transcript the same way through this module, so the
planner's budget, the MiroThinker model's repeat rule, `mirograph history` and the run's
sources agree on what a call is, which number it has and which result answers it:

- every call of an AI turn has an id, unparsable calls included (they get results too);
- calls are numbered 1.. in transcript order, unparsable ones after the parsed ones of
  their turn, as the planner charges them to the budget;
- a repeat is a call with the same tool and normalized arguments as an earlier call that
  ran and succeeded;
- a result belongs to the nearest earlier call with its id.

Every model reply enters the transcript through `normalize_reply`, so whatever a provider
sends, the stored transcript is valid on every provider's wire (see its docstring).

Nothing here imports from the rest of mirograph except `text`; nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

from mirograph.text import strip_think

__all__ = [
    "MAX_EMPTY_REPLIES",
    "MISSING",
    "WRITTEN_TEXT",
    "ThreadIds",
    "call_ids",
    "call_key",
    "call_steps",
    "candidate_answer",
    "is_empty_reply",
    "last_ai",
    "normalize_reply",
    "paired",
    "planned_calls",
    "previous_calls",
    "thread_ids",
    "tool_results",
    "turn_text",
]

MISSING = "No result: this tool call did not run."
"""The stand-in result of a call that has none (yet) where a provider needs one."""
MAX_EMPTY_REPLIES = 3
"""Empty replies (no text, no call) in a row before a node stops asking: a glitch of the
model or server is asked again, never taken as an answer."""
WRITTEN_TEXT = "mirothinker_text"
"""`additional_kwargs` key holding the text an AI turn is sent back to the model as
(text protocols: the reply exactly as written, call blocks included)."""


def invalid_call_id(n: int) -> str:
    """The id an unparsable call without one has had in transcripts stored so far."""
    return f"invalid_{n}"


def call_ids(message: AIMessage) -> list[str]:
    """Ids of every call an AI message made, unparsable ones included (they get answers too)."""
    ids = [call["id"] or "" for call in message.tool_calls]
    ids += [c.get("id") or invalid_call_id(n) for n, c in enumerate(message.invalid_tool_calls)]
    return ids


def planned_calls(message: AIMessage) -> list[dict[str, Any]]:
    """Every call of a turn in budget order: parsed calls, then those the provider could
    not parse (bad JSON) with their `error`; both need a result."""
    invalid = [
        {
            "name": c.get("name") or "",
            "args": {},
            "id": c.get("id") or invalid_call_id(n),
            "type": "tool_call",
            "error": c.get("error") or "arguments are not valid JSON",
        }
        for n, c in enumerate(message.invalid_tool_calls)
    ]
    return [*message.tool_calls, *invalid]


def call_steps(messages: Sequence[AnyMessage]) -> dict[str, int]:
    """Tool call id -> 1-based call number, counting calls in transcript order.

    Unparsable calls count too (the planner charges them to the budget), after the
    parsed calls of their turn, as the planner orders them.
    """
    steps: dict[str, int] = {}
    for message in messages:
        if not isinstance(message, AIMessage):
            continue
        for call_id in call_ids(message):
            steps.setdefault(call_id, len(steps) + 1)
    return steps


def call_key(name: str, args: Any) -> str:
    """A call's identity for repeat detection: tool name and normalized arguments."""
    if isinstance(args, dict):
        args = {k: v.strip().lower() if isinstance(v, str) else v for k, v in args.items()}
    return f"{name}:{json.dumps(args, sort_keys=True, default=str)}"


def previous_calls(messages: Sequence[AnyMessage]) -> dict[str, int]:
    """Earlier calls that ran and succeeded, by key, with their call number (as in sources
    and history): only these count as repeats."""
    ok = {m.tool_call_id for m in messages if isinstance(m, ToolMessage) and m.status != "error"}
    steps = call_steps(messages)
    seen: dict[str, int] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                if call["id"] in ok:
                    seen.setdefault(call_key(call["name"], call["args"]), steps[call["id"]])
    return seen


def tool_results(messages: Sequence[AnyMessage]) -> Iterator[tuple[int, ToolMessage]]:
    """Successful tool results with their call number, in transcript order."""
    steps = call_steps(messages)
    for message in messages:
        if isinstance(message, ToolMessage) and message.status != "error":
            yield steps.get(message.tool_call_id, 0), message


def paired(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """Every tool call directly followed by exactly one result, as every provider requires.

    Results are moved up to their call (parallel results may land after other messages),
    a call with no result yet gets a `MISSING` stand-in, and a result whose call is not in
    `messages` (cut off by a boundary) is left out.
    """
    # A result belongs to the nearest earlier call with its id: some servers (and scripted
    # models after a summary) reuse ids such as "call_0" across turns.
    waiting: dict[str, list[int]] = {}
    results: dict[int, dict[str, ToolMessage]] = {}
    for i, message in enumerate(messages):
        if isinstance(message, AIMessage):
            for call_id in call_ids(message):
                waiting.setdefault(call_id, []).append(i)
        elif isinstance(message, ToolMessage) and waiting.get(message.tool_call_id):
            owner = waiting[message.tool_call_id].pop()
            results.setdefault(owner, {}).setdefault(message.tool_call_id, message)
    out: list[AnyMessage] = []
    for i, message in enumerate(messages):
        if isinstance(message, ToolMessage):
            continue
        out.append(message)
        if isinstance(message, AIMessage):
            answered = results.get(i, {})
            for call_id in call_ids(message):
                out.append(answered.get(call_id) or _missing(call_id, message))
    return out


def _missing(call_id: str, message: AIMessage) -> ToolMessage:
    names = {c["id"]: c["name"] for c in message.tool_calls}
    return ToolMessage(
        content=MISSING, tool_call_id=call_id, name=names.get(call_id), status="error"
    )


def last_ai(messages: Sequence[AnyMessage]) -> AIMessage | None:
    """The last AI message of the transcript, if any."""
    return next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)


def candidate_answer(messages: Sequence[AnyMessage]) -> str:
    """The text of the last AI message: the planner's reply without tool calls."""
    message = last_ai(messages)
    return turn_text(message) if message is not None else ""


def turn_text(message: AnyMessage) -> str:
    """A message's text as one string, the same for every provider's content shape.

    String content as it is; list content as its text blocks in order, with reasoning
    blocks (`reasoning`, `thinking`) as `<think>…</think>`, so answers, summaries and the
    view treat a provider's reasoning blocks like a model's `<think>` text. Other blocks
    (images, signatures) have no text.
    """
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text") or ""))
        elif isinstance(block, dict) and block.get("type") in ("reasoning", "thinking"):
            inner = block.get("reasoning") or block.get("thinking") or ""
            if isinstance(inner, str) and inner.strip():
                parts.append(f"<think>{inner}</think>")
    return "".join(parts)


def is_empty_reply(message: AIMessage) -> bool:
    """No call and no visible text (thoughts alone are not an answer): a glitch to retry."""
    return not planned_calls(message) and not strip_think(turn_text(message))


@dataclass(frozen=True)
class ThreadIds:
    """The ids a thread already uses, for `normalize_reply` (a `TranscriptIndex` carries
    them forward; `thread_ids` computes them from scratch)."""

    call_ids: AbstractSet[str]
    """Every call id of an AI turn and every result's `tool_call_id`."""
    calls: int
    """Calls made so far, unparsable ones included."""
    message_ids: AbstractSet[str]


def thread_ids(messages: Sequence[AnyMessage]) -> ThreadIds:
    """The ids `messages` use."""
    taken = {i for m in messages if isinstance(m, AIMessage) for i in call_ids(m)}
    taken |= {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    number = sum(len(call_ids(m)) for m in messages if isinstance(m, AIMessage))
    return ThreadIds(taken, number, {m.id for m in messages if m.id})


def normalize_reply(
    reply: AIMessage, messages: Sequence[AnyMessage], *, ids: ThreadIds | None = None
) -> AIMessage:
    """The reply as it may enter a thread holding `messages` (whose `ids` may be given).

    - every call, parsed or not, has a non-empty id unique in the thread: the provider's
      id where it is unique (the next request must echo it), else `call_mg<N>` with N the
      call's number in the run; so each call gets exactly one result;
    - the message id is unique in the thread (`<id>~2`, `~3`… on a clash), so the reply
      can never replace an earlier turn through `add_messages`;
    - content (string or blocks, reasoning included) is kept as the provider sent it.

    Returns `reply` itself when nothing needed fixing.
    """
    known = ids or thread_ids(messages)
    added: set[str] = set()
    number = known.calls

    def unique(call_id: object) -> str:
        nonlocal number
        number += 1
        if (
            not isinstance(call_id, str)
            or not call_id
            or call_id in known.call_ids
            or call_id in added
        ):
            call_id = _unused(f"call_mg{number}", known.call_ids, added)
        added.add(call_id)
        return call_id

    calls = [{**c, "id": unique(c.get("id"))} for c in reply.tool_calls]
    invalid = [{**c, "id": unique(c.get("id"))} for c in reply.invalid_tool_calls]
    message_ids = known.message_ids
    new_id = _unused(reply.id, message_ids, set(), sep="~") if reply.id in message_ids else reply.id
    if new_id == reply.id and calls == reply.tool_calls and invalid == reply.invalid_tool_calls:
        return reply
    fixed = {"tool_calls": calls, "invalid_tool_calls": invalid, "id": new_id}
    return reply.model_copy(update=fixed)


def _unused(
    base: str | None, taken: AbstractSet[str], added: AbstractSet[str], sep: str = "_"
) -> str:
    """`base`, or `base<sep>2`, `base<sep>3`… whichever is in neither set yet."""
    assert base is not None
    candidate, n = base, 1
    while candidate in taken or candidate in added:
        n += 1
        candidate = f"{base}{sep}{n}"
    return candidate
