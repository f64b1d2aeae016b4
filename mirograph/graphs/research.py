"""The research graph: wiring only.

```
START -> planner
planner    --view past summarize_at-->    summarizer (before the model call)
planner    --tool calls, budget left-->   executor (one Send task per call)
planner    --tool calls, budget spent-->  finalizer ("answer now")
planner    --no tool calls-->             verifier
executor   -->                            planner
summarizer --view fits-->                 planner
summarizer --view cannot fit-->           finalizer ("answer now")
verifier   --accepted-->                  finalizer -> END
verifier   --rejected, rounds left-->     planner
```
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from mirograph.context import ResearchContext
from mirograph.deployment import Deployment, RunContext
from mirograph.memory import TokenCounter
from mirograph.nodes.executor import executor
from mirograph.nodes.finalizer import finalizer
from mirograph.nodes.planner import planner
from mirograph.nodes.summarizer import summarizer
from mirograph.nodes.verifier import verifier
from mirograph.resources import Resources, ToolFactory
from mirograph.state import InputState, OutputState, ResearchState, ToolTask

NODES: dict[str, Callable[..., Any]] = {
    "planner": planner,
    "executor": executor,
    "summarizer": summarizer,
    "verifier": verifier,
    "finalizer": finalizer,
}
ROUTES: dict[str, tuple[str, ...]] = {
    "planner": ("executor", "verifier", "finalizer", "summarizer"),
    "summarizer": ("planner", "finalizer"),
    "verifier": ("planner", "finalizer"),
}


def build_research_graph(
    *,
    model: BaseChatModel | None = None,
    tools: Sequence[BaseTool] | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    summarizer_model: BaseChatModel | None = None,
    verifier_model: BaseChatModel | None = None,
    tool_factory: ToolFactory | None = None,
    token_counter: TokenCounter | None = None,
    state_schema: type[Any] = ResearchState,
    name: str = "research",
    deployment: Deployment | None = None,
    **overrides: Callable[..., Any],
) -> CompiledStateGraph:
    """Compile the research graph.

    Models and tools given here are used as they are; those not given are resolved from
    each run's `ResearchContext` (model strings, enabled tools). `token_counter` replaces
    the offline token estimate with an exact count (e.g. the provider's tokenizer).
    Pass a node by name (`planner=my_planner`) to replace it; a replacement that takes a
    `resources` keyword gets the run's `Resources` like the built-in nodes do.
    `state_schema` may extend `ResearchState` with keys of your own nodes.
    `deployment` makes a graph for serving: each run's context is a request that may set
    run settings only (see `mirograph.deployment`), and the deployment supplies the rest.
    """
    unknown = set(overrides) - set(NODES)
    if unknown:
        raise TypeError(f"unknown node override(s): {', '.join(sorted(unknown))}")
    resources = Resources(
        model=model,
        summarizer_model=summarizer_model,
        verifier_model=verifier_model,
        tools=tools,
        tool_factory=tool_factory,
        token_counter=token_counter,
        deployment=deployment,
    )
    builder = StateGraph(
        state_schema,
        context_schema=ResearchContext if deployment is None else RunContext,
        input_schema=InputState,
        output_schema=OutputState,
    )
    for node_name, default in NODES.items():
        function = with_resources(overrides.get(node_name, default), resources)
        kwargs: dict[str, Any] = {"destinations": ROUTES.get(node_name)}
        if node_name == "executor":
            kwargs["input_schema"] = ToolTask
        builder.add_node(node_name, function, **kwargs)
    builder.add_edge(START, "planner")
    builder.add_edge("executor", "planner")
    builder.add_edge("finalizer", END)
    return builder.compile(checkpointer=checkpointer, name=name)


def with_resources(function: Callable[..., Any], resources: Resources) -> Callable[..., Any]:
    """Bind `resources` into a node that asks for it; other nodes are used as they are."""
    if "resources" in inspect.signature(function).parameters:
        return partial(function, resources=resources)
    return function
