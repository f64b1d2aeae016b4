"""What every round needs from the transcript, computed once per message and carried forward.

The view (`context_view`), its token estimate and the planner's repeat rule are functions
of the whole transcript. Recomputed from scratch each round they make a run quadratic: at
step 6,000 the transcript holds 12,000 messages. A `TranscriptIndex` reads each message
once, when it first sees it, and keeps:

- the transcript *paired* (`transcript.paired` of the whole list: each call followed by
  its result, or a `MISSING` stand-in until the result arrives) and the same list with
  every result replaced by its stub, so a view is two slices of those lists;
- the offline token estimate of each entry, summed into prefix sums, so the view's
  estimate is a few subtractions;
- call numbers and the earliest successful call of each repeat key;
- the text length of each AI turn, so the older long ones are shortened in the view
  (`shorten_turn`) without looking at the others.

An index serves one transcript as it grows. `index_for(messages)` finds the index whose
messages are a prefix of `messages` (compared by identity, at C speed) and extends it
with the new messages, or builds a new one — after a resume, a fork, or any list that is
not an extension (a removed or replaced message). So the results are exactly those of the
pure functions over the same list; messages, and the lists holding them, must not be
mutated in place (LangGraph state never is: its reducers return new lists). The list the
index last read is remembered, so the several calls of one round on the same list skip
even the prefix check, and no call copies the transcript: at step 6,000 a copy of its
12,000 entries costs more than the rest of the round. A few recent indexes are kept; each
holds its transcript's messages.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

from mirograph.memory.tokens import estimate_tokens
from mirograph.transcript import MISSING, WRITTEN_TEXT, ThreadIds, call_ids, call_key, turn_text

OMITTED = "Tool result is omitted to save tokens."
SHORTENED = "[Older turn shortened in the view]"
KEEP_INDEXES = 8
"""Indexes kept at once (one per live transcript: threads served by one process)."""


@lru_cache(maxsize=8192)
def stub(tool_call_id: str, name: str | None, id: str | None, status: str) -> ToolMessage:
    """The stand-in of an old result; cached, as every view rebuilds the same stubs."""
    return ToolMessage(content=OMITTED, tool_call_id=tool_call_id, name=name, id=id, status=status)


def shorten_turn(message: AnyMessage, limit: int) -> AnyMessage:
    """An AI turn whose text passes `limit` characters as its head and tail around a
    marker, calls kept; shorter turns as they are."""
    text = turn_text(message)
    if len(text) <= limit:
        return message
    head, tail = text[: limit - limit // 2], text[len(text) - limit // 2 :]
    marker = f"{SHORTENED} (showing {limit} of {len(text)} characters)"
    # The text as written (text protocols) would bring the whole turn back: drop it, so
    # the turn is rendered from this content and its calls.
    extra = {k: v for k, v in message.additional_kwargs.items() if k != WRITTEN_TEXT}
    content = f"{head}\n{marker}\n{tail}"
    return message.model_copy(update={"content": content, "additional_kwargs": extra})


def _stub_of(message: ToolMessage) -> ToolMessage:
    return stub(message.tool_call_id, message.name, message.id, message.status)


def _uncached_stub(message: ToolMessage) -> ToolMessage:
    """The stub of a `MISSING` stand-in: replaced when the result arrives, so not kept in
    the stub cache (where it would outlive its slot)."""
    return stub.__wrapped__(message.tool_call_id, message.name, message.id, message.status)


def _tokens(message: AnyMessage) -> int:
    return estimate_tokens([message])


class TranscriptIndex:
    """Derived data of one transcript, extended message by message (see the module doc)."""

    def __init__(self) -> None:
        self.messages: list[AnyMessage] = []
        self.paired: list[AnyMessage] = []
        self.stubbed: list[AnyMessage] = []
        self._tok_full: list[int] = []
        self._tok_stub: list[int] = []
        self._sum_full: list[int] = [0]
        self._sum_stub: list[int] = [0]
        self._turn_index: list[int] = []  # transcript index of each non-tool message
        self._turn_pos: list[int] = []  # its position in `paired`
        self._tool_pos: list[int] = []  # positions of result slots in `paired`, ascending
        # Only what is still waiting is kept: a round adds nothing once its results are in.
        self._waiting: dict[str, list[int]] = {}  # call id -> AI turns still waiting for it
        self._slots: dict[int, dict[str, list[int]]] = {}  # AI turn -> its unanswered slots
        self._skip: dict[tuple[int, str], int] = {}  # results a duplicated call id still eats
        self.steps: dict[str, int] = {}
        """Tool call id -> 1-based call number (`transcript.call_steps`)."""
        self.repeats: dict[str, int] = {}
        """Repeat key -> number of the earliest call that ran and succeeded
        (`transcript.previous_calls`)."""
        self._repeat_order: dict[str, int] = {}
        self._calls_by_id: dict[str, list[tuple[int, str]]] = {}
        self._ok: set[str] = set()
        self._order = 0
        self._taken: set[str] = set()
        self._message_ids: set[str] = set()
        self._call_count = 0
        self._ai_pos: list[int] = []  # positions of AI turns in `paired`, ascending
        self._ai_len: list[int] = []  # their text lengths
        self._long: dict[int, tuple[int, list[int]]] = {}  # limit -> (scanned, AI turns past it)
        self._short: dict[tuple[int, int], tuple[AnyMessage, int]] = {}  # shortened, token delta
        self._source: list[AnyMessage] | None = None  # the list last read, its length and end
        self._source_len = 0
        self._source_last: AnyMessage | None = None

    def reads(self, messages: list[AnyMessage]) -> bool:
        """Whether `messages` is the very list this index last read, seemingly unchanged."""
        return (
            messages is self._source
            and len(messages) == self._source_len
            and (not messages or messages[-1] is self._source_last)
        )

    @property
    def ids(self) -> ThreadIds:
        """`transcript.thread_ids(messages)`, carried forward (read-only sets)."""
        return ThreadIds(self._taken, self._call_count, self._message_ids)

    def extend(self, messages: Sequence[AnyMessage]) -> None:
        """Read the messages past those already read."""
        if isinstance(messages, list):
            self._source, self._source_len = messages, len(messages)
            self._source_last = messages[-1] if messages else None
        for message in messages[len(self.messages) :]:
            index = len(self.messages)
            self.messages.append(message)
            if message.id:
                self._message_ids.add(message.id)
            if isinstance(message, ToolMessage):
                self._taken.add(message.tool_call_id)
                self._result(message)
                continue
            self._turn_index.append(index)
            self._turn_pos.append(len(self.paired))
            self._append(message, message)
            if isinstance(message, AIMessage):
                self._ai_pos.append(len(self.paired) - 1)
                self._ai_len.append(len(turn_text(message)))
                self._calls(index, message)

    def _append(self, full: AnyMessage, stubbed: AnyMessage) -> None:
        self.paired.append(full)
        self.stubbed.append(stubbed)
        tokens = _tokens(full)
        self._tok_full.append(tokens)
        self._tok_stub.append(tokens if stubbed is full else _tokens(stubbed))

    def _calls(self, index: int, message: AIMessage) -> None:
        names = {c["id"]: c["name"] for c in message.tool_calls}
        slots: dict[str, list[int]] = {}
        for call_id in call_ids(message):
            self._taken.add(call_id)
            self._call_count += 1
            self._waiting.setdefault(call_id, []).append(index)
            self.steps.setdefault(call_id, len(self.steps) + 1)
            slots.setdefault(call_id, []).append(len(self.paired))
            self._tool_pos.append(len(self.paired))
            missing = ToolMessage(
                content=MISSING, tool_call_id=call_id, name=names.get(call_id), status="error"
            )
            self._append(missing, _uncached_stub(missing))
        if slots:
            self._slots[index] = slots
        for call in message.tool_calls:
            key = call_key(call["name"], call["args"])
            self._order += 1
            if call["id"] in self._ok:
                self._repeat(key, self._order, call["id"])
            else:
                self._calls_by_id.setdefault(call["id"], []).append((self._order, key))

    def _result(self, message: ToolMessage) -> None:
        call_id = message.tool_call_id
        if message.status != "error" and call_id not in self._ok:
            self._ok.add(call_id)
            for order, key in self._calls_by_id.pop(call_id, []):
                self._repeat(key, order, call_id)
        waiting = self._waiting.get(call_id)
        if not waiting:
            return  # no call waits for it: left out of the view
        owner = waiting.pop()  # the nearest earlier call with this id
        if not waiting:
            del self._waiting[call_id]
        if (owner, call_id) in self._skip:  # that turn's call was answered: first result wins
            self._skip[owner, call_id] -= 1
            if not self._skip[owner, call_id]:
                del self._skip[owner, call_id]
            return
        slots = self._slots[owner]
        positions = slots.pop(call_id)
        if not slots:
            del self._slots[owner]
        if len(positions) > 1:  # the id is repeated in the turn: its later results are eaten
            self._skip[owner, call_id] = len(positions) - 1
        for position in positions:
            self.paired[position] = message
            self.stubbed[position] = _stub_of(message)
            self._tok_full[position] = _tokens(message)
            self._tok_stub[position] = _tokens(self.stubbed[position])
            del self._sum_full[position + 1 :], self._sum_stub[position + 1 :]

    def _repeat(self, key: str, order: int, call_id: str) -> None:
        if order < self._repeat_order.get(key, order + 1):
            self._repeat_order[key] = order
            self.repeats[key] = self.steps[call_id]

    def window(self, start: int, keep: int, limit: int = -1) -> tuple[list[AnyMessage], int]:
        """`shorten_old_turns(stub_old_results(paired(messages[start:]), keep), keep, limit)`
        and its offline estimate."""
        begin, split = self._bounds(start, keep)
        view = self.stubbed[begin:split]  # the one copy of the transcript a view costs
        view += self.paired[split:]
        return view, self._estimate(begin, split) + self._shorten(view, begin, keep, limit)

    def window_tokens(self, start: int, keep: int, limit: int = -1) -> int:
        """The estimate of `window(start, keep, limit)`, without building the window."""
        begin, split = self._bounds(start, keep)
        return self._estimate(begin, split) + self._shorten(None, begin, keep, limit)

    def _bounds(self, start: int, keep: int) -> tuple[int, int]:
        """Where the window of `messages[start:]` begins in `paired`, and where its results
        shown in full begin."""
        k = bisect_left(self._turn_index, start)
        begin = self._turn_pos[k] if k < len(self._turn_pos) else len(self.paired)
        tools = len(self._tool_pos) - bisect_left(self._tool_pos, begin)
        if keep < 0 or keep >= tools:
            return begin, begin  # every result in the window shown in full
        if keep == 0:
            return begin, len(self.paired)
        return begin, self._tool_pos[-keep]  # the first of the `keep` results shown in full

    def _estimate(self, begin: int, split: int) -> int:
        self._sums()
        tokens = self._sum_stub[split] - self._sum_stub[begin]
        return tokens + self._sum_full[-1] - self._sum_full[split]

    def _shorten(self, view: list[AnyMessage] | None, begin: int, keep: int, limit: int) -> int:
        """Shorten, in `view` (from `begin` of `paired`; None: no view), the AI turns older
        than the `keep` most recent (the last one always stays) past `limit`; the change of
        the estimate."""
        if keep < 0 or limit < 0:
            return 0
        first = bisect_left(self._ai_pos, begin)
        last = len(self._ai_pos) - max(1, keep)
        scanned, long = self._long.get(limit, (0, []))
        long += [j for j in range(scanned, len(self._ai_len)) if self._ai_len[j] > limit]
        self._long[limit] = (len(self._ai_len), long)
        delta = 0
        for j in long[bisect_left(long, first) : bisect_left(long, max(first, last))]:
            position = self._ai_pos[j]
            if (position, limit) not in self._short:
                short = shorten_turn(self.paired[position], limit)
                self._short[position, limit] = (short, _tokens(short) - self._tok_full[position])
            short, change = self._short[position, limit]
            if view is not None:
                view[position - begin] = short
            delta += change
        return delta

    def _sums(self) -> None:
        """Extend the prefix sums over entries added or replaced since the last view."""
        for sums, tokens in ((self._sum_full, self._tok_full), (self._sum_stub, self._tok_stub)):
            done = len(sums) - 1
            if done < len(tokens):
                sums.extend(itertools.accumulate(tokens[done:], initial=sums.pop()))


_indexes: OrderedDict[int, list[TranscriptIndex]] = OrderedDict()
_lock = threading.Lock()


def index_for(messages: Sequence[AnyMessage]) -> TranscriptIndex:
    """The index of `messages`: a kept one extended by the new messages, or a new one."""
    if not isinstance(messages, list):
        messages = list(messages)
    key = id(messages[0]) if messages else 0
    with _lock:
        candidates = _indexes.get(key, [])
        found = next((ix for ix in candidates if ix.reads(messages)), None)
        if found is not None:
            _indexes.move_to_end(key)
            return found
        found = next((ix for ix in candidates if _extends(messages, ix.messages)), None)
        if found is None:
            found = TranscriptIndex()
            _indexes[key] = [found, *candidates][:2]
        _indexes.move_to_end(key)
        while len(_indexes) > KEEP_INDEXES:
            _indexes.popitem(last=False)
        found.extend(messages)
        return found


def thread_ids_of(messages: Sequence[AnyMessage]) -> ThreadIds:
    """`transcript.thread_ids(messages)`, carried forward."""
    return index_for(messages).ids


def repeated_calls(messages: Sequence[AnyMessage]) -> dict[str, int]:
    """`transcript.previous_calls(messages)`, carried forward (do not modify the result)."""
    return index_for(messages).repeats if messages else {}


def _extends(messages: list[AnyMessage], known: list[AnyMessage]) -> bool:
    # List equality compares items by identity first: a C loop, not a Python one.
    return len(messages) >= len(known) and messages[: len(known)] == known
