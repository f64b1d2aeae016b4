"""Every entry point takes a `postgresql://` URL where it takes a file."""

from __future__ import annotations

import json
import socket

import pytest

from tests.cli.conftest import cli_env, mirograph, run_args
from tests.postgres import SERVER, fresh_database, query


@pytest.fixture
def pg_url():
    with fresh_database("mgcli") as url:
        yield url


def test_run_threads_history_show_fork_export_on_postgres(tmp_path, script, pg_url):
    ran = mirograph(*run_args(pg_url, script, "t", "--json"))
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["status"] == "done"

    listed = mirograph("threads", "--db", pg_url, "--json")
    history = mirograph("history", "t", "--db", pg_url, "--json")
    shown = mirograph("show", "t", "--db", pg_url)
    forked = mirograph("fork", "t", "--step", "2", "--db", pg_url, "--new-thread", "t2")
    exported = mirograph("export", "t", "--db", pg_url)

    [listed_t] = json.loads(listed.stdout)
    assert listed_t["label"] == "t"
    assert [s["tool_calls_used"] for s in json.loads(history.stdout)][-1] == 3
    assert "The answer is 42." in shown.stdout
    assert forked.returncode == 0, forked.stderr
    assert sorted(
        t["label"] for t in json.loads(mirograph("threads", "--db", pg_url, "--json").stdout)
    ) == ["t", "t2"]
    assert json.loads(exported.stdout)["thread_id"] == listed_t["thread_id"]


def test_the_database_url_can_come_from_the_environment(script, pg_url):
    args = [a for a in run_args(pg_url, script, "t") if a not in ("--db", pg_url)]
    env = cli_env(MIROGRAPH_DB=pg_url)

    assert mirograph(*args, env=env).returncode == 0
    assert json.loads(mirograph("threads", "--json", env=env).stdout)[0]["label"] == "t"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_error_line(*args: str) -> str:
    done = mirograph(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def test_an_unreachable_server_is_one_line():
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/x"

    assert one_error_line("threads", "--db", url).startswith(
        f"error: Cannot reach PostgreSQL at {url} ("
    )


def test_an_unknown_user_is_one_line():
    url = SERVER.replace("postgres@", "nobody:secret@") + "/postgres"

    line = one_error_line("threads", "--db", url)
    assert "refused the credentials" in line
    assert "secret" not in line


def test_a_database_that_is_not_mirographs_is_one_line_and_untouched(pg_url):
    query(pg_url, "CREATE TABLE checkpoints (thread_id TEXT, checkpoint JSONB)")

    line = one_error_line("threads", "--db", pg_url)

    assert "is not mirograph's: it has a 'checkpoints' table" in line
    assert query(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(1,)]
