"""Per-call cost of a stdio MCP tool: a session per call (stock) vs one per run (mirograph).

A FastMCP server with an `add` tool, started with this Python. Two measurements:

- direct calls: N calls through langchain-mcp-adapters' `MultiServerMCPClient` tools (a
  new session, so a new server process, per call) and through `load_mcp_tools` (one
  session, kept);
- a whole `mirograph run` whose scripted model makes N calls to the tool (process start,
  listing, the graph, checkpoints), with this checkout and, with `--before PATH`, with
  another checkout of mirograph (e.g. one from before run-long sessions).

Per-call overhead is (time of N calls - time of the same run with no call) / N for the
run, and time / N for direct calls. Server starts are counted by the server itself.

    python bench/mcp_calls.py [--calls 30] [--before /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from langchain_mcp_adapters.client import MultiServerMCPClient

from mirograph.tools import close_tools, load_mcp_tools

REPO = Path(__file__).resolve().parents[1]
SERVER = """
import os
from mcp.server.fastmcp import FastMCP

with open(os.environ["STARTS_FILE"], "a") as starts:
    starts.write("start\\n")

mcp = FastMCP("lab", log_level="WARNING")


@mcp.tool()
def add(a: int, b: int) -> int:
    \"\"\"Add two integers.\"\"\"
    return a + b


if __name__ == "__main__":
    mcp.run()
"""


def setup(folder: Path) -> tuple[Path, Path]:
    (folder / "server.py").write_text(SERVER)
    log = folder / "starts.log"
    entry = {"command": sys.executable, "args": [str(folder / "server.py")]}
    entry["env"] = {"STARTS_FILE": str(log)}
    config = folder / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"lab": entry}}))
    return config, log


def count(log: Path) -> int:
    starts = len(log.read_text().splitlines()) if log.exists() else 0
    log.unlink(missing_ok=True)
    return starts


def stock_calls(config: Path, n: int) -> float:
    connection = json.loads(config.read_text())["mcpServers"]["lab"]

    async def go() -> float:
        client = MultiServerMCPClient({"lab": {"transport": "stdio", **connection}})
        (add,) = await client.get_tools()
        start = time.perf_counter()
        for i in range(n):
            await add.ainvoke({"a": i, "b": 1})
        return time.perf_counter() - start

    return asyncio.run(go())


def mirograph_calls(config: Path, n: int) -> float:
    tools = load_mcp_tools(config)
    (add,) = tools
    start = time.perf_counter()
    for i in range(n):
        add.invoke({"a": i, "b": 1})
    seconds = time.perf_counter() - start
    close_tools(tools)
    return seconds


def run(repo: Path, folder: Path, config: Path, n: int) -> float:
    """Wall time of `mirograph run` with n MCP calls, using the package in `repo`."""
    calls = [{"tool_calls": [{"name": "add", "args": {"a": i, "b": 1}}]} for i in range(n)]
    script = folder / f"script-{n}.json"
    script.write_text(json.dumps([*calls, "Done."]))
    db = folder / f"run-{n}-{time.monotonic_ns()}.sqlite"
    command = [sys.executable, "-m", "mirograph", "run", "Add.", "--db", str(db)]
    command += ["--model", f"scripted:{script}", "--mcp-config", str(config)]
    command += ["--tool", "run_python", "--verify", "off", "--json"]
    start = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PYTHONPATH=str(repo), LANGSMITH_TRACING="false")
    subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--before", type=Path, help="another mirograph checkout to compare")
    args = parser.parse_args()
    n = args.calls
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config, log = setup(folder)
        rows = []
        count(log)
        seconds = stock_calls(config, n)
        rows.append(("direct calls, stock adapters (session per call)", seconds, n, count(log), 0))
        seconds = mirograph_calls(config, n)
        rows.append(("direct calls, mirograph (session per run)", seconds, n, count(log), 0))
        checkouts = [("this checkout", REPO)]
        if args.before:
            checkouts.insert(0, ("--before checkout", args.before.resolve()))
        for label, repo in checkouts:
            empty = run(repo, folder, config, 0)
            count(log)
            full = run(repo, folder, config, n)
            rows.append((f"`mirograph run`, {label}", full, n, count(log), empty))
    print(f"{n} calls to a stdio MCP tool (python {sys.version.split()[0]})\n")
    print(f"| {'how':<50} | {'total s':>8} | {'per call ms':>11} | {'server starts':>13} |")
    print(f"|{'-' * 52}|{'-' * 10}|{'-' * 13}|{'-' * 15}|")
    for how, seconds, calls, starts, empty in rows:
        per_call = 1000 * (seconds - empty) / calls
        print(f"| {how:<50} | {seconds:>8.2f} | {per_call:>11.1f} | {starts:>13} |")
    print("\n`mirograph run` rows: total is the whole command; per call subtracts the same")
    print(
        "command with no MCP call (process start, listing, graph): "
        + ", ".join(f"{how.split(', ')[1]} {empty:.2f} s" for how, *_, empty in rows if empty)
        + "."
    )


if __name__ == "__main__":
    main()
