"""OpenAI-compatible servers as shipped: the known differences, smoothed in one class.

`--base-url` points `openai:MODEL` at llama-cpp-python's server, llama.cpp's `llama-server`,
Ollama, vLLM, SGLang or LM Studio. They speak the same API with differences that break a
stock `ChatOpenAI` (each measured against a real server):

- an assistant turn with tool calls is sent as `content: null`; llama-cpp-python's server
  answers HTTP 500 to that, so an empty string is sent instead (every server accepts it);
- the reply limit goes out as OpenAI's newer `max_completion_tokens`, which
  llama-cpp-python ignores (it then generates up to the window): it is sent as `max_tokens`;
- `response_format: json_schema` is missing on some (llama-cpp-python accepts only `text`
  and `json_object`), so structured output tries `json_schema`, then function calling with
  the schema as a named tool, then JSON mode with the schema in the prompt, and keeps using
  the first method that worked;
- a streamed tool call repeats its name (and id) in every chunk (llama-cpp-python), which
  LangChain's chunk merging concatenates into `lookuplookuplookup…`: repeats are dropped;
- `tool_choice="required"` is rejected by some (llama-cpp-python: HTTP 500), so a forced
  call of the only tool is sent as a named tool choice (accepted everywhere), and
  "required" with several tools as "auto".

Methods that are still being tried use the client without retries, so a server rejecting a
response format costs one request, not the full back-off.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import json_repair
import openai
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, PrivateAttr, ValidationError

from mirograph.models.overflow import is_context_overflow
from mirograph.prompts import load_prompt
from mirograph.text import split_think

STRUCTURED_METHODS = ("json_schema", "function_calling", "json_mode")
"""Structured-output methods in the order they are tried."""

# The server cannot do what was asked (a response format, a tool choice): try the next way.
_REJECTED = (
    openai.BadRequestError,
    openai.UnprocessableEntityError,
    openai.NotFoundError,
    openai.InternalServerError,
)
# Not the server's answer to the method: retry the same method with the client's back-off.
_TRANSIENT = (openai.APIConnectionError, openai.RateLimitError)
_UNPARSED = (OutputParserException, ValidationError, ValueError)


class StructuredOutputFailed(ValueError):
    """No structured-output method gave a valid object (all rejected or unparsable)."""


class CompatChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` for OpenAI-compatible servers, with their known differences smoothed."""

    _structured_method: str = PrivateAttr(default="")
    _copies: dict[bool, ChatOpenAI] = PrivateAttr(default_factory=dict)

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:  # OpenAI's new name; servers know max_tokens
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        for message in payload.get("messages", []):
            if message.get("role") == "assistant" and message.get("content") is None:
                message["content"] = ""
        return payload

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        heads: dict[Any, dict[str, str]] = {}
        for chunk in super()._stream(*args, **kwargs):
            _drop_repeated_heads(chunk, heads)
            yield chunk

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        heads: dict[Any, dict[str, str]] = {}
        async for chunk in super()._astream(*args, **kwargs):
            _drop_repeated_heads(chunk, heads)
            yield chunk

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; "required"/"any" become a named choice (one tool) or "auto"."""
        if tool_choice in ("required", "any", True):
            names = [convert_to_openai_tool(t)["function"]["name"] for t in tools]
            tool_choice = names[0] if len(names) == 1 else "auto"
        return super().bind_tools(tools, tool_choice=tool_choice, **kwargs)

    def with_structured_output(  # type: ignore[override]
        self,
        schema: Any,
        *,
        method: str | None = None,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Structured output that falls back json_schema → function calling → JSON mode.

        An explicit `method` (or `include_raw`) is passed through unchanged.
        """
        if method is not None or include_raw or not _is_pydantic(schema):
            return super().with_structured_output(
                schema, method=method or "json_schema", include_raw=include_raw, **kwargs
            )

        def structured(value: LanguageModelInput) -> Any:
            return self._structured(schema, value)

        return RunnableLambda(structured, name="CompatStructuredOutput")

    def _structured(self, schema: type[BaseModel], value: LanguageModelInput) -> BaseModel:
        known = self._structured_method
        order = [known, *(m for m in STRUCTURED_METHODS if m != known)] if known else []
        last: Exception | None = None
        for method in order or STRUCTURED_METHODS:
            model = self._unstreamed(retries=method == known)
            try:
                result = _call(model, method, schema, value)
            except _TRANSIENT:
                # Not the server's answer to the method: the client's back-off, then raise.
                result = _call(self._unstreamed(retries=True), method, schema, value)
            except _REJECTED as exc:
                if is_context_overflow(exc):
                    raise
                last = exc
                continue
            except _UNPARSED as exc:
                last = exc
                continue
            if result is None:  # function calling: the model did not call the schema tool
                last = StructuredOutputFailed(f"no {schema.__name__} call in the reply")
                continue
            self._structured_method = method
            return result
        raise StructuredOutputFailed(f"no structured-output method worked: {last}") from last

    def _unstreamed(self, *, retries: bool) -> ChatOpenAI:
        """This model without streaming (the streamed `response_format` helper fails on some
        servers), and without client retries for methods not known to work yet."""
        if retries not in self._copies:
            copy = self.model_copy(update={"streaming": False})
            if not retries:
                copy.root_client = self.root_client.with_options(max_retries=0)
                copy.client = copy.root_client.chat.completions
                copy.root_async_client = self.root_async_client.with_options(max_retries=0)
                copy.async_client = copy.root_async_client.chat.completions
            self._copies[retries] = copy
        return self._copies[retries]


def _drop_repeated_heads(chunk: ChatGenerationChunk, heads: dict[Any, dict[str, str]]) -> None:
    """Keep a streamed call's name and id on its first chunk only (servers that repeat them
    would otherwise get them concatenated); the legacy `function_call` copy is dropped."""
    parts = getattr(chunk.message, "tool_call_chunks", None) or []
    for part in parts:
        head = heads.setdefault(part.get("index"), {})
        for key in ("name", "id"):
            value = part.get(key)
            if value and head.get(key) == value:
                part[key] = None  # type: ignore[literal-required]
            elif value and key not in head:
                head[key] = value
    if parts:
        chunk.message.additional_kwargs.pop("function_call", None)


def without_tool_calls(model: BaseChatModel, tools: Sequence[Any]) -> Runnable:
    """`model` for a call that must not call tools but whose history holds tool calls:
    the tools bound with tool choice "none" (Anthropic, for one, rejects a tool-call
    history without the definitions). Text-protocol models and models without native
    tool calling are returned as they are."""
    from mirograph.models.mirothinker import MiroThinkerChatModel

    if not tools or isinstance(model, MiroThinkerChatModel):
        return model
    try:
        return model.bind_tools(tools, tool_choice="none")
    except NotImplementedError:
        return model


def _call(
    model: ChatOpenAI, method: str, schema: type[BaseModel], value: LanguageModelInput
) -> BaseModel | None:
    if method != "json_mode":
        runnable = ChatOpenAI.with_structured_output(model, schema, method=method)  # type: ignore[arg-type]
        return runnable.invoke(value)
    instruction = load_prompt("structured_output").replace(
        "{schema}", json.dumps(schema.model_json_schema())
    )
    messages = [*model._convert_input(value).to_messages(), HumanMessage(instruction)]
    reply = ChatOpenAI.bind(model, response_format={"type": "json_object"}).invoke(messages)
    return parse_json_reply(str(reply.text), schema)


def parse_json_reply(text: str, schema: type[BaseModel]) -> BaseModel:
    """A schema object from a reply's JSON, repaired (think blocks and prose around it cut)."""
    visible = split_think(text)[1]
    start = visible.find("{")
    if start < 0:
        raise OutputParserException(f"no JSON object in the reply: {visible[:200]!r}")
    return schema.model_validate(json_repair.loads(visible[start:]))


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)
