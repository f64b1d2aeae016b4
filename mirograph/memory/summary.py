"""The running summary: folding old turns of the transcript into notes, chunk by chunk.

A *turn* is one non-tool message and the tool results that answer it; a *tool round* is a
turn whose AI message called tools. Folding works on whole turns, so a call is never
separated from its results. The model call that writes the summary must fit the window
too, so old turns are fed to it in chunks, each folded into the notes written so far.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

from mirograph.memory.context_window import TRUNCATED
from mirograph.memory.tokens import TokenCounter, clip_to_tokens, estimate_text_tokens
from mirograph.models.overflow import is_context_overflow
from mirograph.prompts import load_prompt
from mirograph.text import strip_think
from mirograph.transcript import call_ids, turn_text

MIN_CHUNK_TOKENS = 64
"""Below this, a summarizer call would spend the window on instructions, not content."""


class SummaryDoesNotFit(Exception):
    """The summarizer model call cannot fit the window (the window is too small)."""


@dataclass(frozen=True)
class SummaryBudget:
    """Token limits of one summarization: the model's input limit and the summary's size."""

    input_limit: int
    summary_tokens: int

    @classmethod
    def for_window(cls, input_limit: int) -> SummaryBudget:
        """A summary of a tenth of the window (128–4 000 tokens) leaves room for the turns."""
        return cls(input_limit, max(128, min(4_000, input_limit // 10)))


def turn_starts(messages: Sequence[AnyMessage], start: int) -> list[int]:
    """Indices (from `start`) where a turn begins: every message that is not a tool result."""
    return [i for i in range(start, len(messages)) if not isinstance(messages[i], ToolMessage)]


def fold_end(messages: Sequence[AnyMessage], start: int, keep_rounds: int) -> int:
    """Where the kept, verbatim part begins: the last `keep_rounds` tool rounds stay.

    Everything in `messages[start:end]` is folded; `end == start` means nothing to fold.
    With `keep_rounds <= 0` all turns are folded.
    """
    if keep_rounds <= 0:
        return len(messages)
    rounds = [
        i
        for i in turn_starts(messages, start)
        if isinstance(messages[i], AIMessage) and call_ids(messages[i])  # type: ignore[arg-type]
    ]
    if not rounds:
        return start
    return rounds[-min(keep_rounds, len(rounds))]


def render_turns(messages: Sequence[AnyMessage]) -> list[str]:
    """Each turn as plain text: the summarizer model gets no tools, so no tool messages."""
    texts: list[str] = []
    for message in messages:
        if isinstance(message, ToolMessage):
            line = f"Result of {message.name or 'tool'}: {_text(message)}"
            if texts:
                texts[-1] = f"{texts[-1]}\n{line}"
            else:
                texts.append(line)
            continue
        if isinstance(message, AIMessage):
            thought = strip_think(_text(message))
            parts = [f"Agent: {thought}"] if thought else []
            parts += [
                f"Tool call: {c['name']}({json.dumps(c['args'], ensure_ascii=False)})"
                for c in message.tool_calls
            ]
            texts.append("\n".join(parts) or "Agent: (no text)")
        else:
            texts.append(f"{(message.name or 'user').capitalize()}: {_text(message)}")
    return texts


def summarize(
    model: BaseChatModel,
    *,
    question: str,
    previous: str,
    turns: Sequence[str],
    budget: SummaryBudget,
    counter: TokenCounter,
) -> tuple[str, int]:
    """Fold rendered turns into `previous`; return the new summary and the model calls made.

    Raises `SummaryDoesNotFit` when even one small chunk cannot fit the model's input.
    """
    overhead = _overhead(question, previous, budget, counter)
    room = budget.input_limit - budget.summary_tokens - overhead
    if room < MIN_CHUNK_TOKENS:
        raise SummaryDoesNotFit(f"{room} tokens left for turns in a summarizer call")
    summary, calls = previous, 0
    for chunk in _chunks(turns, room):
        summary, made = _fold(model, question, summary, chunk, budget, counter)
        calls += made
    return summary, calls


def _fold(
    model: BaseChatModel,
    question: str,
    previous: str,
    chunk: list[str],
    budget: SummaryBudget,
    counter: TokenCounter,
) -> tuple[str, int]:
    """One summarizer call, split further when the chunk is too big for it.

    Failure policy: "too big" is decided by the counter before the call, or by the provider
    itself (a context overflow error, when the estimate was wrong): either way the chunk is
    halved, a single turn is clipped to half, and below `MIN_CHUNK_TOKENS` the summary
    cannot fit (`SummaryDoesNotFit`: the summarizer sends the run to "answer now").
    """
    prompt = [HumanMessage(content=_prompt(question, previous, "\n\n".join(chunk), budget))]
    if counter(prompt) + budget.summary_tokens <= budget.input_limit:
        try:
            reply = model.invoke(prompt)
        except Exception as exc:  # only the provider's "prompt too long" is handled here
            if not is_context_overflow(exc):
                raise
        else:
            return strip_think(str(reply.text)), 1
    if len(chunk) > 1:
        middle = len(chunk) // 2
        summary, first = _fold(model, question, previous, chunk[:middle], budget, counter)
        summary, second = _fold(model, question, summary, chunk[middle:], budget, counter)
        return summary, first + second
    tokens = estimate_text_tokens(chunk[0]) // 2
    if tokens < MIN_CHUNK_TOKENS:
        raise SummaryDoesNotFit("a single turn cannot fit a summarizer call")
    clipped = [clip_to_tokens(chunk[0], tokens, TRUNCATED)]
    return _fold(model, question, previous, clipped, budget, counter)


def _chunks(turns: Sequence[str], room: int) -> list[list[str]]:
    """Greedy packing of turns into chunks of at most `room` estimated tokens."""
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for text in turns:
        tokens = estimate_text_tokens(text) + 1
        if tokens > room:
            text, tokens = clip_to_tokens(text, room - 1, TRUNCATED), room
        if current and used + tokens > room:
            chunks.append(current)
            current, used = [], 0
        current.append(text)
        used += tokens
    if current:
        chunks.append(current)
    return chunks


def _overhead(question: str, previous: str, budget: SummaryBudget, counter: TokenCounter) -> int:
    """Tokens of a summarizer prompt with no turns in it."""
    return counter([HumanMessage(content=_prompt(question, previous, "", budget))])


def _prompt(question: str, previous: str, transcript: str, budget: SummaryBudget) -> str:
    return load_prompt("summarize").format(
        question=question,
        previous=previous or "(none yet)",
        transcript=transcript,
        max_words=budget.summary_tokens * 3 // 4,
    )


def _text(message: AnyMessage) -> str:
    return turn_text(message)
