"""Tokens and cost of a run, read from its stored transcript.

The transcript is the one record that survives a kill and a resume, so usage comes from
it rather than from callbacks of one process: provider `usage_metadata` on each AI message
when present; otherwise an offline estimate (input: the transcript before the call, an
upper bound because the view masks old tool results; output: the message itself).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage

from mirograph.errors import InputError
from mirograph.memory.tokens import MESSAGE_OVERHEAD, estimate_text_tokens

DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    # USD per million (input, output) tokens, as published by the providers (2025).
    "openai:gpt-4.1": (2.0, 8.0),
    "openai:gpt-4.1-mini": (0.4, 1.6),
    "openai:gpt-4o": (2.5, 10.0),
    "openai:gpt-4o-mini": (0.15, 0.6),
    "openai:o3-mini": (1.1, 4.4),
    "openai:o4-mini": (1.1, 4.4),
    "anthropic:claude-sonnet-4-5": (3.0, 15.0),
    "anthropic:claude-haiku-4-5": (1.0, 5.0),
    "deepseek:deepseek-chat": (0.27, 1.1),
}
"""Overridable with `--prices FILE` (`{"provider:model": [in, out]}`); local models cost 0."""


@dataclass(frozen=True)
class Usage:
    tokens_in: int
    tokens_out: int
    estimated: bool


def _message_tokens(message: BaseMessage) -> int:
    text = message.content if isinstance(message.content, str) else json.dumps(message.content)
    calls = getattr(message, "tool_calls", None)
    if calls:
        text += json.dumps([[c["name"], c["args"]] for c in calls], ensure_ascii=False)
    return MESSAGE_OVERHEAD + estimate_text_tokens(text)


def transcript_usage(messages: Sequence[BaseMessage]) -> Usage:
    """Summed tokens of every model call recorded in the transcript."""
    tokens_in = tokens_out = prefix = 0
    estimated = False
    for message in messages:
        size = _message_tokens(message)
        if isinstance(message, AIMessage):
            usage = message.usage_metadata
            if usage:
                tokens_in += usage["input_tokens"]
                tokens_out += usage["output_tokens"]
            else:
                tokens_in += prefix
                tokens_out += size
                estimated = True
        prefix += size
    return Usage(tokens_in, tokens_out, estimated)


def load_prices(path: str | Path | None) -> dict[str, tuple[float, float]]:
    """The default table, overridden by a JSON file of `{"provider:model": [in, out]}`."""
    prices = dict(DEFAULT_PRICES)
    if path is None:
        return prices
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        prices.update({str(k): (float(v[0]), float(v[1])) for k, v in data.items()})
    except (OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise InputError(
            f'price table {path} must be JSON like {{"openai:gpt-4.1": [2.0, 8.0]}}: {exc}'
        ) from None
    return prices


def cost_usd(
    model: str, tokens_in: int, tokens_out: int, prices: Mapping[str, tuple[float, float]]
) -> float | None:
    """Estimated cost in USD; 0 for scripted/python models; None when the price is unknown."""
    provider = model.partition(":")[0].lower()
    if provider in ("scripted", "python", "ollama"):
        return 0.0
    price = prices.get(model)
    if price is None:
        return None
    return (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
