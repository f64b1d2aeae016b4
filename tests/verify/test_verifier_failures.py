"""The verifier's failure policy: any provider error or unparsable verdict falls back to the
rule checks, recorded in the verdict; the run is never ended by its verifier."""

from __future__ import annotations

from mirograph import ResearchContext, ScriptedChatModel
from mirograph.models.resolve import resolve_model
from tests.models.openai_server import serve
from tests.verify.conftest import run_graph, verdicts, verifier_messages

SETTINGS = ResearchContext(verify="llm")
# llama-cpp-python's server's answer to a `json_schema` response format (HTTP 500).
REJECTED = "1 validation error: Input should be 'text' or 'json_object'"


def test_a_verifier_whose_provider_raises_falls_back_to_the_rule_checks():
    with serve() as server:
        server.reply(*[{"status": 500, "message": REJECTED}] * 3)
        verifier = resolve_model("openai:judge", base_url=server.url)
        state, _ = run_graph(["It is 42."], SETTINGS, verifier_model=verifier)
    # One request per structured-output method, each without the client's retries.
    formats = [
        (r.get("response_format", {}).get("type"), r.get("tool_choice")) for r in server.requests
    ]
    assert formats == [
        ("json_schema", None),
        (None, {"type": "function", "function": {"name": "Verdict"}}),
        ("json_object", None),
    ]
    assert (state["status"], state["answer"], state["verified"]) == ("done", "It is 42.", True)
    assert verdicts(state) == [
        {
            "mode": "rules",
            "supported": True,
            "problems": [],
            "llm_error": "StructuredOutputFailed: no structured-output method worked: "
            f"Error code: 500 - {REJECTED}",
        }
    ]
    assert verifier_messages(state) == []


def test_an_unparsable_verdict_falls_back_to_the_rule_checks():
    verifier = ScriptedChatModel(responses=[{"supported": "maybe"}])
    state, _ = run_graph(["It is 42."], SETTINGS, verifier_model=verifier)
    assert (state["status"], state["verified"], verifier_messages(state)) == ("done", True, [])
    [verdict] = verdicts(state)
    assert verdict == {
        "mode": "rules",
        "supported": True,
        "problems": [],
        "llm_error": "ValidationError: 1 validation error for Verdict",
    }


def test_a_server_without_json_schema_gets_the_verdict_by_function_calling():
    accept = {"supported": True, "problems": [], "missing": [], "confidence": 0.9}
    with serve() as server:
        server.reply(
            {"status": 500, "message": REJECTED},
            {"tool_calls": [{"name": "Verdict", "args": accept}]},
            {"tool_calls": [{"name": "Verdict", "args": accept}]},
        )
        verifier = resolve_model("openai:judge", base_url=server.url)
        first, _ = run_graph(["It is 42."], SETTINGS, verifier_model=verifier)
        second, _ = run_graph(["It is 42."], SETTINGS, verifier_model=verifier)
    assert verdicts(first) == verdicts(second) == [{"mode": "llm", **accept}]
    # The method that worked is kept: the second run asks by function calling at once.
    assert [bool(r.get("tools")) for r in server.requests] == [False, True, True]
