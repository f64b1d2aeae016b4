"""Issue 15, point 1: threads cross between the CLI and `langgraph dev` both ways.

Studio → CLI: the server writes every checkpoint to mirograph's database, so its threads
are listed, shown and resumed by the CLI (tests in test_studio.py). CLI → Studio: every
CLI thread has a UUID id (a readable `--thread NAME` is its label), which the server
accepts; the dev server's in-memory runtime keeps its own registry of threads, so a CLI
thread is unknown to it until `mirograph studio THREAD --server URL` registers it, after
which the server reads its state and history from the shared database and runs it on.
"""

from __future__ import annotations

import json
import uuid

import pytest
from langgraph_sdk.errors import NotFoundError

from tests.cli.conftest import TOOL, cli_env, mirograph, write_script
from tests.studio.conftest import Studio


def cli_run(studio: Studio, tmp_path, *extra: str) -> dict:
    script = write_script(tmp_path / "s.json", calls=1, answer="From the CLI.")
    run = mirograph(
        "run", "What is it?", "--db", str(studio.db), "--model", f"scripted:{script}",
        "--tool", TOOL, "--verify", "rules", "--json", *extra, env=cli_env(),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_a_cli_thread_has_a_uuid_and_shows_in_studio_once_registered(studio: Studio, tmp_path):
    thread = cli_run(studio, tmp_path)["thread_id"]
    assert str(uuid.UUID(thread)) == thread

    client = studio.client()
    with pytest.raises(NotFoundError):
        client.threads.get(thread)  # the server's own registry does not know it yet
    client.threads.create(thread_id=thread, graph_id="research", if_exists="do_nothing")
    state = client.threads.get_state(thread)
    assert (state["values"]["answer"], state["values"]["status"]) == ("From the CLI.", "done")
    assert len(client.threads.get_history(thread, limit=100)) >= 5
    assert thread in [t["thread_id"] for t in client.threads.search(limit=1000)]


def test_a_labelled_cli_thread_is_registered_in_one_step_and_run_on_by_the_server(
    studio: Studio, tmp_path
):
    ran = cli_run(studio, tmp_path, "--thread", "from-the-cli")
    thread = ran["thread_id"]
    client = studio.client()

    added = mirograph(
        "studio", "from-the-cli", "--server", studio.url, "--db", str(studio.db), env=cli_env()
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(f"thread from-the-cli ({thread}) is on {studio.url}")
    assert client.threads.get(thread)["metadata"]["label"] == "from-the-cli"
    assert thread in [t["thread_id"] for t in client.threads.search(limit=1000)]
    assert client.threads.get_state(thread)["values"]["answer"] == "From the CLI."

    # The server runs it on: a follow-up question, as a new input in Studio is. Response i
    # answers an input holding i AI messages: the CLI's run made two.
    again_call = {"tool_calls": [{"name": "counted_lookup", "args": {"query": "again"}}]}
    script = studio.script("follow-up", ["(first run)", "(first run)", again_call, "Again, 42."])
    output = client.runs.wait(
        thread, "research", input={"question": "And again?"}, context=studio.context(script)
    )
    assert (output["status"], output["answer"]) == ("done", "Again, 42."), output
    shown = mirograph(
        "show", "from-the-cli", "--db", str(studio.db), "--format", "json", env=cli_env()
    )
    assert (json.loads(shown.stdout)["answer"], json.loads(shown.stdout)["tool_calls_used"]) == (
        "Again, 42.",
        2,
    )
    again = mirograph(
        "studio", thread[:8], "--server", studio.url, "--db", str(studio.db), env=cli_env()
    )
    assert again.returncode == 0, again.stderr  # registering twice is harmless


def test_registering_with_no_server_there_is_one_line(studio: Studio, tmp_path):
    cli_run(studio, tmp_path, "--thread", "nowhere")
    from tests.studio.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    done = mirograph("studio", "nowhere", "--server", url, "--db", str(studio.db), env=cli_env())

    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach a langgraph dev server at {url} (")
