"""Must-show 2: LLM verification with a scripted verifier model.

The verifier rejects the first answer with a problem, the planner researches further, the
verifier accepts the second answer; the verdicts are in the transcript, and
`max_verifications` bounds the rejections.
"""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from mirograph import ResearchContext, ScriptedChatModel
from mirograph.nodes.verifier import Verdict
from mirograph.prompts import load_prompt
from tests.verify.conftest import call, run_graph, tool_messages, verdicts, verifier_messages

A, B = "http://docs.test/a", "http://docs.test/b"
FIRST = f"It is 42 ({A})."
SECOND = f"It is 42 ({A}), and the changelog agrees ({B})."
PLANNER = [
    {"tool_calls": [call("fetch_page", url=A)]},
    FIRST,
    {"tool_calls": [call("fetch_page", url=B)]},
    SECOND,
]
REJECT = Verdict(
    supported=False,
    problems=["Only one page supports 42."],
    missing=["A second, independent source."],
    confidence=0.7,
)
ACCEPT = {"supported": True, "problems": [], "missing": [], "confidence": 0.9}
SETTINGS = ResearchContext(verify="llm")
FEEDBACK = (
    "Your answer was not accepted yet: Only one page supports 42. Still missing: A second, "
    "independent source.\n"
    "Fix these problems, researching further if needed, then give your final answer again."
)


@pytest.fixture(scope="module")
def reject_then_accept():
    verifier = ScriptedChatModel(keep_inputs=True, responses=[REJECT, ACCEPT])
    state, planner = run_graph(PLANNER, SETTINGS, verifier_model=verifier)
    return state, planner, verifier


def test_the_rejection_sends_its_problem_to_the_planner(reject_then_accept):
    state, planner, _ = reject_then_accept
    assert [m.content for m in verifier_messages(state)] == [FEEDBACK]
    assert planner.inputs[2][-1].content == FEEDBACK


def test_the_planner_continues_researching_and_its_second_answer_is_accepted(
    reject_then_accept,
):
    state, _, _ = reject_then_accept
    assert [m.artifact["sources"][0]["url"] for m in tool_messages(state)] == [A, B]
    assert (state["answer"], state["verified"], state["status"]) == (SECOND, True, "done")


def test_both_verdicts_are_recorded_on_their_candidate_answers(reject_then_accept):
    state, _, _ = reject_then_accept
    assert verdicts(state) == [
        {"mode": "llm", **REJECT.model_dump()},
        {"mode": "llm", **ACCEPT},
    ]


def test_the_verifier_sees_question_answer_and_the_cited_evidence(reject_then_accept):
    _, _, verifier = reject_then_accept
    request = load_prompt("verifier_request").format(
        question="What is the answer?",
        answer=FIRST,
        evidence=f"### [1] Page a — <{A}>\nTitle: Page a\nURL: {A}\n\na says the answer is 42.",
        evidence_note="tool results for the cited sources",
    )
    assert verifier.inputs[0] == [
        SystemMessage(content=load_prompt("verifier")),
        HumanMessage(content=request),
    ]


def test_the_second_check_shows_the_verifier_its_earlier_verdict(reject_then_accept):
    _, _, verifier = reject_then_accept
    earlier = verifier.inputs[1][1:3]
    assert earlier[0].content == f"Earlier candidate answer:\n{FIRST}"
    assert isinstance(earlier[1], AIMessage)
    assert json.loads(earlier[1].content) == REJECT.model_dump()


def test_max_verifications_bounds_the_rejections():
    verifier = ScriptedChatModel(keep_inputs=True, responses=[REJECT, REJECT, REJECT])
    settings = SETTINGS.replace(max_verifications=1)
    state, _ = run_graph(PLANNER, settings, verifier_model=verifier)
    assert len(verifier_messages(state)) == 1
    assert len(verifier.inputs) == 2
    assert (state["answer"], state["verified"], state["verifications"]) == (SECOND, False, 1)


def test_zero_verification_rounds_never_send_the_answer_back():
    verifier = ScriptedChatModel(keep_inputs=True, responses=[REJECT])
    state, _ = run_graph(
        PLANNER[:2], SETTINGS.replace(max_verifications=0), verifier_model=verifier
    )
    assert (verifier_messages(state), state["answer"], state["verified"]) == ([], FIRST, False)


def test_auto_uses_rules_for_a_scripted_planner():
    verifier = ScriptedChatModel(keep_inputs=True, responses=[ACCEPT])
    state, _ = run_graph(["It is 42."], ResearchContext(), verifier_model=verifier)
    assert (verifier.inputs, verdicts(state)[0]["mode"]) == ([], "rules")


def test_auto_uses_the_llm_verifier_for_a_real_planner_model():
    planner = GenericFakeChatModel(messages=iter([AIMessage(content="It is 42.")]))
    verifier = ScriptedChatModel(keep_inputs=True, responses=[ACCEPT])
    state, _ = run_graph([], ResearchContext(), model=planner, tools=[], verifier_model=verifier)
    assert (len(verifier.inputs), verdicts(state)[0]["mode"]) == (1, "llm")
