"""The graph `langgraph.json` serves (`langgraph dev`, Studio): the edge of a deployment.

Run settings come from each run's context; the deployment's settings (endpoints, keys,
imports, MCP, paths) are read here, once, from the server's environment, so that
`graphs/` only wires and nodes never read the environment.
"""

from __future__ import annotations

import os

from mirograph.deployment import Deployment
from mirograph.graphs.research import build_research_graph

graph = build_research_graph(deployment=Deployment.from_env(os.environ))
