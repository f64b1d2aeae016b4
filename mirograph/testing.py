"""Test doubles that behave like real models: `ScriptedChatModel`.

A scripted model is a real `BaseChatModel` (it binds tools, streams, and supports
`with_structured_output`), so graphs run with it exactly as with a provider's model.
It answers from a list or from a policy function:

- list mode picks response *i*, where *i* is the number of AI messages already in its
  input: a resumed or forked run continues the script where its transcript stopped (once
  the summarizer folds turns the input holds fewer AI messages: use policy mode there);
- policy mode calls `policy(messages)` and uses what it returns.

A response is an `AIMessage`, a string (a final answer), a dict with `content` and/or
`tool_calls` (`{"name": ..., "args": {...}}`; ids are filled in deterministically), or —
for structured output — a dict or pydantic model of the schema's fields.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field

from mirograph.errors import InputError, ScriptExhausted

Response = AIMessage | str | dict[str, Any] | BaseModel
Policy = Callable[[list[BaseMessage]], Response]


class ScriptedChatModel(BaseChatModel):
    """A chat model that plays a script or follows a policy; for tests and offline demos."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    responses: list[Any] | None = None
    """The script: response *i* answers an input holding *i* AI messages."""
    policy: Policy | None = None
    """Alternatively: a function from the input messages to a response."""
    delay: float = 0.0
    """Seconds to sleep per call, to simulate a slow model."""
    keep_inputs: bool = False
    """Keep every input in `inputs` (for tests). Off by default: a long run's inputs are
    its whole history of views, quadratic in its length."""
    inputs: list[list[BaseMessage]] = Field(default_factory=list, exclude=True)
    """Every input this model received, in order, when `keep_inputs` is set."""
    calls: int = Field(default=0, exclude=True)
    """How many times this model was called."""

    def model_post_init(self, __context: Any) -> None:
        if (self.responses is None) == (self.policy is None):
            raise ValueError("ScriptedChatModel needs exactly one of responses= or policy=")

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedChatModel:
        """Load a script from a JSON list or a JSONL file of responses."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read script file {path}: {exc.strerror}") from None
        try:
            stripped = text.lstrip()
            if stripped.startswith("["):
                responses = json.loads(text)
            else:
                responses = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InputError(f"script file {path} is not JSON or JSONL: {exc}") from None
        problems = script_problems(responses)
        if problems:
            raise InputError("\n".join(f"script file {path}: {p}" for p in problems))
        return cls(responses=responses)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _pick(self, messages: list[BaseMessage]) -> tuple[int, Response]:
        self.calls += 1
        if self.keep_inputs:
            self.inputs.append(list(messages))
        # map/sum run in C: a 12,000-message view is counted in well under a millisecond.
        index = sum(map(isinstance, messages, itertools.repeat(AIMessage)))
        if self.delay:
            time.sleep(self.delay)
        if self.policy is not None:
            return index, self.policy(list(messages))
        assert self.responses is not None
        if index >= len(self.responses):
            raise ScriptExhausted(
                f"scripted model has {len(self.responses)} responses but was asked for "
                f"response {index + 1} (its input holds {index} AI messages)"
            )
        return index, self.responses[index]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        index, response = self._pick(messages)
        return ChatResult(generations=[ChatGeneration(message=to_ai_message(response, index))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        index, response = self._pick(messages)
        message = to_ai_message(response, index)
        text = message.content if isinstance(message.content, str) else ""
        words = text.split(" ")
        for n, word in enumerate(words):
            piece = word if n == len(words) - 1 else word + " "
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager and piece:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        calls = [
            {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
            for i, c in enumerate(message.tool_calls)
        ]
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", tool_call_chunks=calls, chunk_position="last")
        )

    def bind_tools(
        self, tools: Sequence[Any], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Accept tools like a provider model would; the script decides the calls."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[LanguageModelInput, Any]:
        """Return the scripted response validated into `schema` (a pydantic model)."""
        if include_raw:
            raise NotImplementedError("ScriptedChatModel does not support include_raw")

        def structured(value: LanguageModelInput) -> Any:
            messages = self._convert_input(value).to_messages()
            _, response = self._pick(messages)
            if isinstance(response, AIMessage):
                response = json.loads(str(response.content))
            elif isinstance(response, str):
                response = json.loads(response)
            if isinstance(schema, type) and issubclass(schema, BaseModel):
                if isinstance(response, BaseModel):
                    return response
                return schema.model_validate(response)
            return response.model_dump() if isinstance(response, BaseModel) else response

        return RunnableLambda(structured, name="ScriptedStructuredOutput")


SCRIPT_FORMAT = """\
A script file is a JSON list of responses (or JSONL: one response a line). Response i
answers a model input that holds i AI messages, so a resumed run continues the script.
A string is a final answer; an object may hold "content" (a string) and "tool_calls", a
list of {"name": TOOL, "args": {...}} ("id" optional); any other object is a
structured-output reply (the LLM verifier's)."""


def script_problems(responses: Any) -> list[str]:
    """What is wrong with a loaded script, one line per problem (empty: nothing)."""
    if not isinstance(responses, list):
        return [f"must be a JSON list of responses, not {_kind(responses)}"]
    if not responses:
        return ["holds no responses"]
    problems: list[str] = []
    for n, response in enumerate(responses, 1):
        if isinstance(response, str):
            continue
        if not isinstance(response, dict):
            problems.append(f"response {n} is {_kind(response)}, not a string or an object")
            continue
        if "content" in response and not isinstance(response["content"], str):
            problems.append(f"response {n}: content must be a string")
        calls = response.get("tool_calls", [])
        if not isinstance(calls, list):
            problems.append(f"response {n}: tool_calls must be a list")
            continue
        for m, call in enumerate(calls, 1):
            where = f"response {n}, tool call {m}"
            if not isinstance(call, dict):
                problems.append(f"{where} is {_kind(call)}, not an object")
                continue
            if not isinstance(call.get("name"), str) or not call["name"]:
                problems.append(f'{where} has no "name" (the tool to call)')
            if not isinstance(call.get("args", {}), dict):
                problems.append(f'{where}: "args" must be an object')
            if not isinstance(call.get("id", ""), str):
                problems.append(f'{where}: "id" must be a string')
    return problems


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def to_ai_message(response: Response, index: int) -> AIMessage:
    """Normalize one scripted response; tool calls get ids unique to their turn."""
    if isinstance(response, AIMessage):
        return response
    if isinstance(response, str):
        return AIMessage(content=response)
    if isinstance(response, BaseModel):
        return AIMessage(content=response.model_dump_json())
    if not isinstance(response, dict):
        raise TypeError(f"unsupported scripted response: {response!r}")
    calls = [
        {
            "name": call["name"],
            "args": call.get("args", {}),
            "id": call.get("id") or f"call_{index}_{n}",
            "type": "tool_call",
        }
        for n, call in enumerate(response.get("tool_calls", []))
    ]
    return AIMessage(content=response.get("content", ""), tool_calls=calls)
