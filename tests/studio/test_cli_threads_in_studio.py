"""Issue 15, point 1: which way threads cross between the CLI and `langgraph dev`, and why.

Studio → CLI: the server writes every checkpoint to mirograph's database, so its threads
are listed, shown and resumed by the CLI (tests in test_studio.py). CLI → Studio: the dev
server's in-memory runtime keeps its own registry of threads and accepts UUID ids only;
a CLI thread (a UUID by default) is unknown to it until registered, after which the
server reads its state and history from the shared database.
"""

from __future__ import annotations

import json
import uuid

import pytest
from langgraph_sdk.errors import NotFoundError

from tests.cli.conftest import TOOL, cli_env, mirograph, write_script
from tests.studio.conftest import Studio


def test_a_cli_thread_has_a_uuid_and_shows_in_studio_once_registered(studio: Studio, tmp_path):
    script = write_script(tmp_path / "s.json", calls=1, answer="From the CLI.")
    run = mirograph(
        "run", "What is it?", "--db", str(studio.db), "--model", f"scripted:{script}",
        "--tool", TOOL, "--verify", "rules", "--json", env=cli_env(),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    thread = json.loads(run.stdout)["thread_id"]
    assert str(uuid.UUID(thread)) == thread

    client = studio.client()
    with pytest.raises(NotFoundError):
        client.threads.get(thread)  # the server's own registry does not know it yet
    client.threads.create(thread_id=thread, graph_id="research", if_exists="do_nothing")
    state = client.threads.get_state(thread)
    assert (state["values"]["answer"], state["values"]["status"]) == ("From the CLI.", "done")
    assert len(client.threads.get_history(thread, limit=100)) >= 5
    assert thread in [t["thread_id"] for t in client.threads.search(limit=1000)]
