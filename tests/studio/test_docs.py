"""The Studio docs cannot rot: the mermaid diagram is the graph the code builds."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mirograph.graphs.research import graph

REPO = Path(__file__).resolve().parents[2]
REGENERATE = (
    'python -c "from mirograph.graphs.research import graph; '
    'print(graph.get_graph().draw_mermaid())"'
)


def test_mermaid_diagram_in_docs_matches_the_graph():
    text = (REPO / "docs" / "studio.md").read_text(encoding="utf-8")
    [diagram] = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert diagram.rstrip() == graph.get_graph().draw_mermaid().rstrip(), (
        f"docs/studio.md is out of date; paste the output of {REGENERATE}"
    )


def test_langgraph_json_serves_the_research_graph_with_the_sqlite_saver():
    config = json.loads((REPO / "langgraph.json").read_text(encoding="utf-8"))
    assert config["graphs"] == {"research": "mirograph.graphs.research:graph"}
    assert config["checkpointer"] == {"path": "mirograph.checkpoints.studio_checkpointer"}
    assert (config["dependencies"], config["env"]) == (["."], ".env")
