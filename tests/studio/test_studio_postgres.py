"""The `langgraph.json` checkpointer on PostgreSQL: `MIROGRAPH_DB=postgresql://...`."""

from __future__ import annotations

from mirograph.checkpoints import open_checkpointer
from tests.postgres import fresh_database, socket_url
from tests.studio.conftest import can_isolate, serve
from tests.studio.test_studio import finished_thread


def test_a_studio_run_is_saved_in_postgres_and_read_by_the_cli_saver(tmp_path):
    isolated = can_isolate()
    with fresh_database("mgstudio") as url:
        # In its own network namespace the server reaches PostgreSQL by the unix socket.
        env = {"MIROGRAPH_DB": socket_url(url) if isolated else url}
        with serve(tmp_path, isolated=isolated, extra_env=env) as studio:
            thread = finished_thread(studio, "pg")

        with open_checkpointer(url) as saver:
            info = saver.get_thread(thread)
            steps = saver.history(thread)
        assert info is not None and info.question == "What is it?"
        assert steps[-1].status == "done"
        assert not (tmp_path / "studio.sqlite").exists()
