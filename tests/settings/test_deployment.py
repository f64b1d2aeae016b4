"""Deployment settings vs run settings, in-process (the `langgraph dev` side is in
tests/studio/test_trust.py)."""

from __future__ import annotations

import dataclasses

import pytest

from mirograph import ResearchContext
from mirograph.deployment import DEPLOYMENT_SETTINGS, RUN_SETTINGS, Deployment, RunContext
from mirograph.errors import ConfigError
from mirograph.graphs.research import build_research_graph
from mirograph.resources import operator_settings
from mirograph.server_app import refusal
from tests.fixtures.capture import capture_server

TOOL = "tests.fixtures.tools:counted_lookup"


def test_every_setting_is_either_the_deployments_or_a_runs():
    names = [f.name for f in dataclasses.fields(ResearchContext)]
    assert sorted(DEPLOYMENT_SETTINGS + RUN_SETTINGS) == sorted(names)
    assert DEPLOYMENT_SETTINGS == ("base_url", "api_key_env", "corpus", "fetch_allow", "mcp_config")


def test_the_deployment_comes_from_the_servers_environment():
    env = {
        "MIROGRAPH_BASE_URL": "http://127.0.0.1:9/v1",
        "MIROGRAPH_API_KEY_ENV": "LOCAL_KEY",
        "MIROGRAPH_FETCH_ALLOW": "10.0.0.0/8, intranet.example",
        "MIROGRAPH_TOOLS": TOOL,
        "MIROGRAPH_MODELS": "openai:*,scripted:/srv/scripts/*",
    }
    assert Deployment.from_env(env) == Deployment(
        base_url="http://127.0.0.1:9/v1",
        api_key_env="LOCAL_KEY",
        fetch_allow=("10.0.0.0/8", "intranet.example"),
        tools=(TOOL,),
        models=("openai:*", "scripted:/srv/scripts/*"),
    )


def test_a_served_graph_refuses_a_run_that_sets_an_endpoint_and_sends_nothing():
    with capture_server() as attacker:
        graph = build_research_graph(deployment=Deployment(models=("openai:*",)))
        context = {"model": "openai:gpt-4.1-mini", "base_url": attacker.url, "tools": []}
        with pytest.raises(ConfigError, match=r"^setting base_url belongs to the deployment"):
            graph.invoke({"question": "Q?"}, context=context)
    assert attacker.requests == []


def test_the_deployment_fills_in_what_a_run_may_not_set():
    deployment = Deployment(base_url="http://127.0.0.1:9/v1", corpus="/srv/corpus.sqlite")
    admitted = deployment.admit(RunContext(model="openai:gpt-4.1", max_tool_calls=7))
    assert (admitted.base_url, admitted.corpus, admitted.max_tool_calls) == (
        "http://127.0.0.1:9/v1",
        "/srv/corpus.sqlite",
        7,
    )


@pytest.mark.parametrize(
    ("models", "spec", "allowed"),
    [
        ((), "openai:gpt-4.1", True),
        ((), "scripted:/etc/passwd", False),
        (("openai:gpt-4.1",), "openai:gpt-4.1", True),
        (("openai:gpt-4.1",), "openai:o3", False),
        (("openai:*",), "anthropic:claude", False),
        (("scripted:/srv/s/*",), "scripted:/srv/s/a.json", True),
        (("scripted:/srv/s/*",), "scripted:/srv/s/../../etc/passwd", False),
    ],
)
def test_models_are_chosen_among_those_deployed(models, spec, allowed):
    deployment = Deployment(models=models)
    if allowed:
        deployment.admit(ResearchContext(model=spec))
    else:
        with pytest.raises(ConfigError, match=f"^setting model {spec!r} "):
            deployment.admit(ResearchContext(model=spec))


def test_a_request_body_is_checked_in_context_config_and_batches():
    deployment = Deployment()
    ok = b'{"context": {"model": "openai:gpt-4.1", "max_tool_calls": 5, "base_url": ""}}'
    assert refusal(ok, deployment) is None
    batch = b'[{"context": {}}, {"config": {"configurable": {"mcp_config": "/x.json"}}}]'
    assert refusal(batch, deployment).startswith("setting mcp_config belongs to the deployment")
    assert refusal(b"not json", deployment) is None


def test_the_cli_continues_a_served_thread_with_the_deployed_tools():
    deployment = Deployment(tools=(TOOL,), base_url="http://127.0.0.1:9/v1")
    served = ResearchContext(tools=("counted_lookup", "fetch_page"))
    continued = operator_settings(served, deployment)
    assert (continued.tools, continued.base_url) == (
        ("fetch_page", TOOL),
        "http://127.0.0.1:9/v1",
    )


def test_a_request_with_a_wrong_run_setting_is_refused_with_its_name():
    body = b'{"context": {"verify": "strict"}}'
    assert refusal(body, Deployment()) == (
        "setting verify must be one of auto, llm, rules, off, not 'strict'"
    )
