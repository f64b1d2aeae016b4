"""The research run's state, declared once.

The transcript (`messages`) is complete and lossless: context management shrinks the
*view* sent to the model (see `mirograph.memory`), never the stored transcript. It lives
in a `DeltaChannel`, so each checkpoint stores only the messages its step added instead
of the whole transcript again; that keeps a 600-step run's database linear in size.
"""

from __future__ import annotations

import operator
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import (
    Annotated,
    Any,
    Literal,
    NotRequired,  # pydantic needs these on 3.11
)

from langchain_core.messages import (
    AnyMessage,
    BaseMessage,
    BaseMessageChunk,
    RemoveMessage,
    ToolCall,
)
from langgraph.channels import DeltaChannel
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from mirograph.checkpoints._columns import ListingSpec, register_default_listing

Status = Literal["researching", "verifying", "done", "exhausted", "failed"]
"""`done`: answered; `exhausted`: answered by "answer now" after a budget or the window
ran out; `failed`: no usable answer."""

# Large enough that a 600-step run never stores a full transcript snapshot (the snapshot is
# what makes stock storage quadratic); replay of the deltas stays fast at that size.
TRANSCRIPT_SNAPSHOT_EVERY = 100_000


def append_messages(
    current: list[AnyMessage], batches: Sequence[list[AnyMessage] | AnyMessage]
) -> list[AnyMessage]:
    """`add_messages` folded over a batch of writes, as `DeltaChannel` requires.

    Batching-invariant because `add_messages` appends new ids and replaces known ones.
    """
    flat: list[AnyMessage] = []
    for batch in batches:
        flat.extend(batch if isinstance(batch, list) else [batch])
    with _known_lock:  # a server runs threads' steps concurrently
        known = _known_ids.pop(id(current), None)
        if known is not None and known[0] is current and _only_new(flat, known[1]):
            # What `add_messages` returns when every message is new, without its per-call
            # scan of the whole transcript: a round costs the same at step 6,000 as at 60.
            merged = [*current, *flat]
            ids = known[1]
        else:
            merged = add_messages(current, flat)  # type: ignore[assignment]
            ids = {m.id for m in merged}
        ids.update(m.id for m in flat)
        _known_ids[id(merged)] = (merged, ids)
        while len(_known_ids) > _KEEP_KNOWN:
            _known_ids.pop(next(iter(_known_ids)))
    return merged


_KEEP_KNOWN = 16
_known_lock = threading.Lock()
_known_ids: dict[int, tuple[list[AnyMessage], set[str | None]]] = {}
"""Transcripts `append_messages` returned, with a superset of their message ids (a
superset only ever sends a batch to `add_messages`, never appends a known id)."""


def _only_new(batch: list[AnyMessage], ids: set[str | None]) -> bool:
    """Whether `add_messages` would append every message of `batch` as it is (giving
    the id-less ones an id, as it does)."""
    seen: set[str] = set()
    for message in batch:
        kind = type(message)
        if not issubclass(kind, BaseMessage) or issubclass(kind, (BaseMessageChunk, RemoveMessage)):
            return False
        if message.id is None:
            message.id = str(uuid.uuid4())
        if message.id in ids or message.id in seen:
            return False
        seen.add(message.id)
    return True


class Source(TypedDict):
    """A URL or `corpus://` URI that a tool returned content for in this run."""

    n: int
    title: str
    url: str
    tool: str
    step: int
    read: NotRequired[bool]
    """True when a tool returned the page or document itself (fetch_page), False when it was
    only seen in results (a search snippet). Absent in threads from before: read
    (`answers.sources.was_read`)."""


class Activity(TypedDict):
    """What the last step did, for progress displays and `mirograph history`."""

    node: str
    detail: str
    """The tool name for the executor; a short phrase for the other nodes."""


def latest(_old: Activity, new: Activity) -> Activity:
    """Keep the newest write; parallel executor tasks may write in one step."""
    return new


class InputState(TypedDict):
    """What a run is started with."""

    question: str


class OutputState(TypedDict):
    """What a finished run returns."""

    answer: str
    report: NotRequired[str]
    sources: NotRequired[list[Source]]
    status: Status
    tool_calls_used: int
    verified: NotRequired[bool | None]


class ResearchState(TypedDict):
    """The whole state of a research run.

    Keys that several nodes write have reducers; the rest are written by one node each.
    Optional keys are `NotRequired`: read them with `state.get(key, default)`.
    """

    question: str
    messages: Annotated[
        list[AnyMessage],
        DeltaChannel(append_messages, snapshot_frequency=TRANSCRIPT_SNAPSHOT_EVERY),
    ]
    tool_calls_used: Annotated[int, operator.add]
    status: Status
    activity: Annotated[Activity, latest]
    answer: NotRequired[str]
    report: NotRequired[str]
    sources: NotRequired[list[Source]]
    verifications: NotRequired[int]
    verified: NotRequired[bool | None]
    """Whether the verifier accepted the answer (absent or None: not verified by this run)."""
    run_calls_start: NotRequired[int]
    """`tool_calls_used` when the current run (the thread's latest question) began: the
    per-run tool-call budget counts from it, while `tool_calls_used` is the thread total."""
    summary: NotRequired[str]
    summary_upto: NotRequired[int]
    """Number of transcript messages folded into `summary`."""
    view_tokens: NotRequired[int]
    """Tokens of the view the planner sent (or sends next), tool definitions included."""
    summary_asked: NotRequired[bool]
    """The planner handed its turn to the summarizer (the view had passed `summarize_at`):
    its next turn calls the model whatever the count, so the two never loop."""
    started_at: NotRequired[float]
    """Epoch seconds of the first planner call, for the wall-time budget."""
    answer_now: NotRequired[str]
    """Why the run must answer without tools (budget spent, window full), if it must."""


def run_calls_used(state: ResearchState) -> int:
    """Tool calls made by the current run: the thread's total since its latest question."""
    return state.get("tool_calls_used", 0) - state.get("run_calls_start", 0)


class CachedPage(TypedDict):
    """An earlier result of this run that read the page a new call asks for."""

    step: int
    content: str
    artifact: dict[str, Any]


class ToolTask(TypedDict):
    """The input of one executor task: a single tool call, sent by the planner."""

    tool_call: ToolCall
    step: int
    """1-based number of this call in the run's budget; 0 for a call past the budget,
    which is answered with `error` and not counted."""
    error: NotRequired[str]
    """Set when the call must not run (bad arguments, a repeat): the result to return."""
    cached: NotRequired[CachedPage]
    """Set when the page was already read in this run: served from that result."""


def _activity(key: str) -> Any:
    def extract(values: Mapping[str, Any]) -> Any:
        activity = values.get("activity")
        return activity.get(key) if isinstance(activity, dict) else None

    return extract


RESEARCH_LISTING = ListingSpec(
    {
        "question": lambda values: values.get("question"),
        "status": lambda values: values.get("status"),
        "tool_calls_used": lambda values: values.get("tool_calls_used"),
        "activity_node": _activity("node"),
        "activity_detail": _activity("detail"),
    }
)
"""What `threads` and `history` show of a research thread: the saver's listing columns.
Registered as the savers' default, so `open_checkpointer(path)` fills them."""

register_default_listing(RESEARCH_LISTING)
