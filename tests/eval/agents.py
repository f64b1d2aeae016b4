"""Scripted agents and judges for the eval tests, importable as `python:tests.eval.agents:…`.

`hop_agent` answers "What is the R2 of the R1 of ENTITY?" questions by searching the
corpus one hop at a time (innermost relation first), reading facts of the form "The R of
S is V." from tool results and the attachment, so it finds the answer exactly at step =
number of hops. Told to "answer now", it answers if the chain is complete, else gives up.
Every model call can be logged to a side-effect file (MIROGRAPH_EVAL_CALL_LOG) and slowed
(MIROGRAPH_EVAL_MODEL_DELAY seconds), for the kill/resume test and the benchmark.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from mirograph.eval.judges import normalize
from mirograph.testing import ScriptedChatModel

GIVE_UP = "I could not determine the answer."


def parse_question(question: str) -> tuple[list[str], str]:
    """`What is the capital of the homeland of Oren Talby?` -> (["homeland", "capital"], ...)."""
    body = question.strip().removeprefix("What is the ").removesuffix("?")
    relations, entity = body.rsplit(" of ", 1)
    return list(reversed(relations.split(" of the "))), entity


def known_fact(relation: str, subject: str, texts: Sequence[str]) -> str | None:
    pattern = re.compile(rf"The {re.escape(relation)} of {re.escape(subject)} is (.+?)\.(?:\s|$)")
    for text in texts:
        if match := pattern.search(text.replace("**", "")):
            return match.group(1).strip()
    return None


def hop_policy(messages: list[BaseMessage]) -> AIMessage | dict | str:
    """Search the next unresolved hop, or answer; see the module docstring."""
    task = next(m for m in messages if isinstance(m, HumanMessage) and m.name is None)
    question = str(task.content).split("\n", 1)[0]
    texts = [str(task.content), *(str(m.content) for m in messages if isinstance(m, ToolMessage))]
    relations, subject = parse_question(question)
    answer_now = any(isinstance(m, HumanMessage) and m.name == "answer_now" for m in messages)
    searched = {
        c["args"].get("query") for m in messages if isinstance(m, AIMessage) for c in m.tool_calls
    }
    for relation in relations:
        value = known_fact(relation, subject, texts)
        if value is None:
            query = f"{relation} of {subject}"
            if answer_now or query in searched:
                return GIVE_UP
            args = {"query": query, "max_results": 1}  # top hit only: one fact per search
            return {"tool_calls": [{"name": "search_corpus", "args": args}]}
        subject = value
    return subject


def _log_call(messages: list[BaseMessage]) -> None:
    path = os.environ.get("MIROGRAPH_EVAL_CALL_LOG")
    if not path:
        return
    task = next(m for m in messages if isinstance(m, HumanMessage) and m.name is None)
    line = json.dumps(
        {
            "question": str(task.content).split("\n", 1)[0],
            "ai_messages": sum(isinstance(m, AIMessage) for m in messages),
            "answer_now": any(getattr(m, "name", None) == "answer_now" for m in messages),
            "pid": os.getpid(),
        }
    )
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _logged_policy(messages: list[BaseMessage]) -> AIMessage | dict | str:
    _log_call(messages)
    return hop_policy(messages)


def hop_agent(delay: float | None = None) -> ScriptedChatModel:
    """The hop agent as a chat model (delay from MIROGRAPH_EVAL_MODEL_DELAY by default)."""
    if delay is None:
        delay = float(os.environ.get("MIROGRAPH_EVAL_MODEL_DELAY", "0"))
    return ScriptedChatModel(policy=_logged_policy, delay=delay)


def judge_policy(messages: list[BaseMessage]) -> dict:
    """An equivalence judge: correct when the normalized reference is inside the answer."""
    prompt = str(messages[-1].content)
    reference = re.search(r"^\[reference answer\]: (.*)$", prompt, re.MULTILINE)
    answer = re.search(r"^\[agent answer\]: (.*)$", prompt, re.MULTILINE)
    assert reference and answer, "rule_judge only understands the equivalence prompt"
    if answer.group(1) == GIVE_UP:
        return {"reasoning": "no answer given", "verdict": "not_attempted"}
    inside = normalize(reference.group(1)) in normalize(answer.group(1))
    return {
        "reasoning": "reference contained" if inside else "different answer",
        "verdict": "correct" if inside else "incorrect",
    }


def rule_judge() -> ScriptedChatModel:
    return ScriptedChatModel(policy=judge_policy)


class Gauge:
    """Counts model calls in flight at once (the eval runs them in worker threads).

    Calls wait (event-based, no sleep) until `target` are in flight at once, so the peak
    reaches the limit whatever the machine's speed; a limit that does not hold shows as a
    higher peak, a limit never reached as a lower one (after the 10 s safety timeout).
    """

    def __init__(self, target: int = 1) -> None:
        self.lock = threading.Lock()
        self.now = self.peak = 0
        self.target = target
        self.full = threading.Event()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            if self.now >= self.target:
                self.full.set()

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


GAUGE = Gauge()


def _gauged_policy(messages: list[BaseMessage]) -> AIMessage | dict | str:
    with GAUGE:
        GAUGE.full.wait(10)
        return hop_policy(messages)


def gauge_agent(target: int) -> ScriptedChatModel:
    """The hop agent, measuring how many of its calls overlap (fresh gauge each time);
    the first calls wait until `target` overlap."""
    global GAUGE
    GAUGE = Gauge(target)
    return ScriptedChatModel(policy=_gauged_policy)
