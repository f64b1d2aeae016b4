"""The verifier: checks a candidate answer before the run accepts it.

Rule checks (`verify="rules"`): the answer is not empty and has the required format. A
rejection adds one concise feedback message to the transcript and sends the run back to
the planner while verification rounds remain; after that the finalizer runs anyway and the
status says the answer was not verified.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command

from mirograph.context import ResearchContext
from mirograph.models.boxed import extract_boxed, strip_think
from mirograph.prompts import load_prompt
from mirograph.resources import Resources
from mirograph.state import ResearchState


def verifier(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> Command[Literal["planner", "finalizer"]]:
    """Accept the candidate answer, or send concrete feedback back to the planner."""
    settings = runtime.context
    rounds = state.get("verifications", 0)
    if settings.verify == "off":
        return Command(goto="finalizer")
    problems = rule_problems(candidate_answer(state), settings)
    if not problems:
        return Command(
            update={"verified": True, "activity": {"node": "verifier", "detail": "accepted"}},
            goto="finalizer",
        )
    if rounds >= settings.max_verifications:
        return Command(
            update={
                "verified": False,
                "activity": {"node": "verifier", "detail": "not verified"},
            },
            goto="finalizer",
        )
    feedback = load_prompt("verifier_feedback").format(problems=" ".join(problems))
    return Command(
        update={
            "messages": [HumanMessage(content=feedback, name="verifier")],
            "verifications": rounds + 1,
            "status": "researching",
            "activity": {"node": "verifier", "detail": "rejected"},
        },
        goto="planner",
    )


def candidate_answer(state: ResearchState) -> str:
    """The text of the last AI message: the planner's reply without tool calls."""
    for message in reversed(state.get("messages", [])):
        if isinstance(message, AIMessage):
            return str(message.text)
    return ""


def rule_problems(answer: str, settings: ResearchContext) -> list[str]:
    """What is wrong with an answer by rules alone; empty when it passes."""
    visible = strip_think(answer)
    if not visible:
        return ["The answer is empty."]
    if settings.answer_format == "boxed" and extract_boxed(visible) is None:
        return ["The answer must be wrapped in \\boxed{}, e.g. \\boxed{42}."]
    return []
