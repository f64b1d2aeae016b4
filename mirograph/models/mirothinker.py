"""MiroThinker's text tool protocol as an ordinary tool-calling chat model.

MiroThinker models (v1.0 8B/30B/72B and later, served by vLLM or SGLang behind an
OpenAI-compatible API) do not use native tool calling. `MiroThinkerChatModel` wraps any
plain chat model and speaks their protocol, so the rest of the graph keeps native
tool-call semantics:

- `bind_tools` renders the tools into the system prompt (server = a group name, tool name,
  description, JSON schema, today's date), following MiroThinker's own prompt;
- every top-level `<use_mcp_tool>` block of a reply becomes an entry of
  `AIMessage.tool_calls`, in order; the visible text is the content and the text as
  written is kept in `additional_kwargs` to send back verbatim;
- the results of one round of tool calls go back to the model as one user message;
- `<think>` blocks stay in the transcript (or are moved out of it, `keep_think=False`)
  and are never parsed for calls; the final answer is the last `\\boxed{}` (`extract_boxed`).

Like MiroThinker's own client it repairs invalid JSON arguments (`json_repair`), corrects
a wrong server name from the tool name, and rolls back a malformed turn (a block that
cannot be parsed, an unknown tool) or a turn repeating an earlier successful call, asking
again up to `max_attempts` (5) times in a row. A turn still malformed after that is
returned with `invalid_tool_calls`, so the planner reports the problem to the model as an
error result; a turn still repeating is returned as it is, and the planner answers the
repeat with a note instead of running it again.

Recommended sampling for MiroThinker (used by `mirothinker:MODEL` unless set otherwise):
temperature 1.0, top_p 0.95, at most 16 384 output tokens per call; a 256K-token context
window (`context_window_tokens=262_144`) and `keep_tool_results=5`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

import json_repair
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    InvalidToolCall,
    ToolCall,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field

from mirograph.models._blocks import (
    ParsedTurn,
    ToolCallParseError,
    parse_tool_calls,
    parse_turn,
)
from mirograph.models._transcript import PROTOCOL_TEXT, to_protocol_messages
from mirograph.prompts import load_prompt
from mirograph.text import extract_boxed, split_think
from mirograph.transcript import call_key, previous_calls

__all__ = [
    "MAX_ATTEMPTS",
    "MiroThinkerChatModel",
    "ToolCallParseError",
    "extract_boxed",
    "parse_tool_calls",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""Model calls per turn before a malformed or repeating turn is given up on (MiroThinker's)."""


class MiroThinkerChatModel(BaseChatModel):
    """A tool-calling chat model over a plain one, speaking MiroThinker's text protocol."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: BaseChatModel
    """The plain chat model underneath (e.g. `ChatOpenAI` pointed at vLLM or SGLang)."""
    server_name: str = "tools"
    """The MCP server name tools are listed under unless `servers` names another."""
    servers: dict[str, str] = Field(default_factory=dict)
    """Per-tool server names (tool name -> server name), e.g. from MCP configs."""
    max_attempts: int = MAX_ATTEMPTS
    """Model calls per turn while the turn is malformed or repeats an earlier call."""
    keep_think: bool = True
    """Keep `<think>` blocks in the transcript; False moves them to `reasoning_content`."""
    today: _dt.date | None = None
    """The date the tool prompt states; None: the day of the call."""

    @property
    def _llm_type(self) -> str:
        return "mirothinker"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": getattr(self.model, "_identifying_params", {}), "protocol": "mirothinker"}

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; they reach the model as text in the system prompt, not natively.

        `tool_choice` is accepted for compatibility and ignored: the text protocol cannot
        force a call.
        """
        for native_only in ("strict", "parallel_tool_calls"):  # no meaning in text
            kwargs.pop(native_only, None)
        specs = [convert_to_openai_tool(tool)["function"] for tool in tools]
        return self.bind(tools=specs, **kwargs)

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[LanguageModelInput, Any]:
        """Structured output in text: the schema goes into the prompt, the reply's JSON is
        repaired and validated (MiroThinker servers usually have no tool-call parser)."""
        if include_raw or not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise NotImplementedError("MiroThinkerChatModel supports pydantic schemas only")
        instruction = load_prompt("structured_output").replace(
            "{schema}", json.dumps(schema.model_json_schema())
        )

        def structured(value: LanguageModelInput) -> Any:
            messages = [*self._convert_input(value).to_messages(), HumanMessage(instruction)]
            text = split_think(self.model.invoke(messages).text)[1]
            return schema.model_validate(json_repair.loads(text[text.find("{") :] or "{}"))

        return RunnableLambda(structured, name="MiroThinkerStructuredOutput")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools: list[dict[str, Any]] = list(kwargs.pop("tools", None) or [])
        servers = {t["name"]: self.servers.get(t["name"], self.server_name) for t in tools}
        prompt = to_protocol_messages(messages, tools, servers, self.today or _dt.date.today())
        turn_index = sum(isinstance(m, AIMessage) for m in messages)
        # Without tools (e.g. "answer now") nothing is parsed: the reply is plain text.
        known = servers if tools else None
        earlier = set(previous_calls(messages)) if tools else set()
        for attempt in range(1, max(1, self.max_attempts) + 1):
            reply = self.model.invoke(prompt, stop=stop, **kwargs)
            text = reply.text
            turn = parse_turn(text, known) if tools else ParsedTurn([], [], text, text)
            problem = _rollback_reason(turn, earlier)
            if problem is None:
                break
            log.info(
                "MiroThinker turn %d: attempt %d/%d rolled back: %s",
                turn_index,
                attempt,
                self.max_attempts,
                problem,
            )
        message = self._message(text, turn, reply, turn_index, attempt)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _message(
        self, text: str, turn: ParsedTurn, reply: BaseMessage, turn_index: int, attempts: int
    ) -> AIMessage:
        """The native-looking turn: tool calls with per-turn deterministic ids."""
        digest = hashlib.sha256(f"{turn_index}\x00{text}".encode()).hexdigest()[:10]
        calls = [
            ToolCall(name=call.name, args=call.args, id=f"mt{turn_index}_{n}_{digest}")
            for n, call in enumerate(turn.calls)
        ]
        invalid = [
            InvalidToolCall(
                name=problem.name or "use_mcp_tool",
                args=problem.raw,
                id=f"mt{turn_index}_bad{n}_{digest}",
                error=f"{problem}. Write the call again in the <use_mcp_tool> format.",
                type="invalid_tool_call",
            )
            for n, problem in enumerate(turn.problems)
        ]
        extra: dict[str, Any] = {PROTOCOL_TEXT: text}
        if not self.keep_think:
            thoughts, visible = split_think(text)
            extra[PROTOCOL_TEXT] = visible.strip()
            if thoughts:
                extra["reasoning_content"] = thoughts
        metadata = {**reply.response_metadata, "mirothinker_attempts": attempts}
        fixes = [fix for call in turn.calls for fix in call.fixes]
        if fixes:
            metadata["mirothinker_fixes"] = fixes
        return AIMessage(
            content=turn.content if self.keep_think else turn.visible,
            tool_calls=calls,
            invalid_tool_calls=invalid,
            additional_kwargs=extra,
            response_metadata=metadata,
            usage_metadata=getattr(reply, "usage_metadata", None),
            id=reply.id,
        )


def _rollback_reason(turn: ParsedTurn, earlier: set[str]) -> str | None:
    """Why a turn must be asked again, or None when it can stand."""
    if turn.problems:
        return "; ".join(str(p) for p in turn.problems)
    # The planner's notion of "the same call" (`transcript.call_key`), so a repeat that
    # survives the retries gets the planner's note.
    repeats = [c.name for c in turn.calls if call_key(c.name, c.args) in earlier]
    return f"repeats an earlier call of {', '.join(repeats)}" if repeats else None
