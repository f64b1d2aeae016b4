"""langgraph.json serves the research graph with mirograph's saver (the README's diagram
is checked in tests/test_readme.py)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_langgraph_json_serves_the_research_graph_with_the_sqlite_saver():
    config = json.loads((REPO / "langgraph.json").read_text(encoding="utf-8"))
    assert config["graphs"] == {"research": "mirograph.studio:graph"}
    assert config["checkpointer"] == {"path": "mirograph.checkpoints.studio_checkpointer"}
    assert (config["dependencies"], config["env"]) == (["."], ".env")
