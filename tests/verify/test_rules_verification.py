"""Must-show 1: an adversarial run cites a URL it never fetched.

The rules verifier rejects the answer naming that URL, the planner is told, and because the
model insists, the final report keeps only citations that resolve to retrieved sources.
"""

from __future__ import annotations

import re

import pytest

from mirograph import ResearchContext
from mirograph.answers.sources import format_source
from tests.verify.conftest import call, run_graph, verdicts, verifier_messages

FETCHED = "http://docs.test/release"
FABRICATED = "https://journal.example/made-up-paper"
STUBBORN_REPORT = f"""\
# The answer

The answer is 42 [1], confirmed by a peer-reviewed study [2].

## Sources
1. {FETCHED}
2. {FABRICATED}
"""
SETTINGS = ResearchContext(verify="rules", answer_format="report", max_verifications=1)
FEEDBACK = (
    "Your answer was not accepted yet: These citations do not match any source retrieved in "
    f"this run: {FABRICATED}. Cite only URLs and corpus:// URIs that your tools returned "
    f"content for (retrieved so far: 1. {FETCHED}).\n"
    "Fix these problems, researching further if needed, then give your final answer again."
)


@pytest.fixture(scope="module")
def adversarial_run():
    script = [{"tool_calls": [call("fetch_page", url=FETCHED)]}, STUBBORN_REPORT, STUBBORN_REPORT]
    return run_graph(script, SETTINGS)


def test_rules_verification_rejects_the_answer_naming_the_unfetched_url(adversarial_run):
    state, _ = adversarial_run
    assert [m.content for m in verifier_messages(state)] == [FEEDBACK]


def test_the_planner_is_given_the_feedback_on_its_next_call(adversarial_run):
    _, planner = adversarial_run
    assert planner.inputs[2][-1].content == FEEDBACK


def test_both_verdicts_are_recorded_and_the_answer_is_marked_unverified(adversarial_run):
    state, _ = adversarial_run
    assert [(v["mode"], v["supported"]) for v in verdicts(state)] == [
        ("rules", False),
        ("rules", False),
    ]
    assert (state["verifications"], state["verified"], state["status"]) == (1, False, "done")


def test_the_final_report_cites_only_retrieved_sources_and_notes_the_removal(adversarial_run):
    state, _ = adversarial_run
    assert state["report"] == (
        "# The answer\n\n"
        "The answer is 42 [1], confirmed by a peer-reviewed study.\n\n"
        "## Sources\n\n"
        f"- [1] Page release — <{FETCHED}>\n\n"
        f"> Removed 1 citation that does not match a retrieved source: `{FABRICATED}`.\n"
    )


def test_every_number_in_the_report_is_a_recorded_source(adversarial_run):
    state, _ = adversarial_run
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", state["report"])}
    recorded = {s["n"]: s for s in state["sources"]}
    assert numbers <= set(recorded)
    assert all(format_source(recorded[n]) in state["report"] for n in numbers)


def test_a_corrected_answer_is_accepted():
    fixed = STUBBORN_REPORT.replace(" [2]", "").replace(f"2. {FABRICATED}\n", "")
    script = [{"tool_calls": [call("fetch_page", url=FETCHED)]}, STUBBORN_REPORT, fixed]
    state, _ = run_graph(script, SETTINGS)
    assert (state["verified"], len(verifier_messages(state))) == (True, 1)
    assert "journal.example" not in state["report"]


def test_a_rejection_with_the_tool_budget_spent_goes_straight_to_the_finalizer():
    script = [{"tool_calls": [call("fetch_page", url=FETCHED)]}, STUBBORN_REPORT]
    state, _ = run_graph(script, SETTINGS.replace(max_tool_calls=1))
    assert (verifier_messages(state), state["verified"]) == ([], False)


def test_verification_off_records_no_verdict():
    state, _ = run_graph([STUBBORN_REPORT], SETTINGS.replace(verify="off"))
    assert (verdicts(state), "verified" in state) == ([], False)
