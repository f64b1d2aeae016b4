"""The ui server without a browser: read-only by construction, one-line user errors, the
`mirograph ui` command on a free loopback port, and pages that hold what they claim."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mirograph.errors import DatabaseError, InputError
from mirograph.ui import create_app, resolve_target
from mirograph.ui.data import UiData
from tests.cli.conftest import REPO, cli_env, mirograph
from tests.ui.conftest import LONG_CALLS, file_state, wait_for


@pytest.fixture(scope="module")
def client(ui_db: Path) -> TestClient:
    return TestClient(create_app(ui_db))


def test_the_database_connection_cannot_write(ui_db):
    data = UiData(ui_db)
    try:
        with pytest.raises(sqlite3.OperationalError, match=r"readonly"), data.saver._write() as cur:
            cur.execute("DELETE FROM threads")
    finally:
        data.close()


def test_every_page_leaves_the_database_file_byte_identical(ui_db):
    before = file_state(ui_db)
    with TestClient(create_app(ui_db)) as client:
        for url in [
            "/", "/?q=base&status=done", "/thread?id=long", "/thread?id=long&page=0",
            "/thread?id=long&call=300", "/view?id=long&call=300", "/plot?id=long",
            "/poll?id=long", "/branches?id=base-a", "/compare?a=base&b=base-a",
            "/thread?id=base-b&fragment=1",
        ]:  # fmt: skip
            assert client.get(url).status_code == 200, url
        assert client.post("/thread?id=long").status_code == 405
    assert file_state(ui_db) == before


def test_unknown_thread_and_bad_numbers_are_one_sentence_404s(client):
    missing = client.get("/thread?id=nope")
    assert missing.status_code == 404
    assert "no thread &#39;nope&#39; in this database" in missing.text
    assert client.get("/thread?id=long&call=9999").status_code == 404
    assert client.get("/thread?id=long&page=x").status_code == 404
    assert client.get("/compare?a=long&b=base").status_code == 404  # not branches of one run


def test_thread_list_filters_by_text_and_status(client):
    done = client.get("/?status=exhausted").text
    assert 'data-thread="base-b"' in done and 'data-thread="base-a"' not in done
    assert 'data-thread="long"' not in client.get("/?q=base").text


def test_poll_reports_head_and_counters(client):
    assert client.get("/poll?id=long").json()["tool_calls_used"] == LONG_CALLS


def test_pages_reference_only_this_server(client):
    assert "http" not in client.get("/static/app.js").text
    for url in ["/", "/thread?id=long", "/view?id=long&call=3", "/branches?id=base"]:
        html = client.get(url).text
        links = re.findall(r"""(?:src|href|action)=["']([^"']*)["']""", html)
        assert links and all(link.startswith(("/", "#")) for link in links), url


def test_targets_a_file_or_an_eval_folder(tmp_path):
    (tmp_path / "eval.sqlite").touch()
    assert resolve_target(tmp_path) == (tmp_path / "eval.sqlite", tmp_path)
    assert resolve_target("postgresql://127.0.0.1/db") == ("postgresql://127.0.0.1/db", None)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"a folder without eval\.sqlite"):
        resolve_target(tmp_path / "empty")
    with pytest.raises(DatabaseError, match="no database at"):
        UiData(tmp_path / "missing.sqlite")


def test_cli_serves_on_loopback_until_stopped(ui_db):
    proc = subprocess.Popen(
        [sys.executable, "-m", "mirograph", "ui", "--db", str(ui_db)],
        env=cli_env(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = wait_for(proc.stderr.readline, "the ui to print its address")
        assert line.startswith("mirograph ui on http://127.0.0.1:"), line
        url = line.split()[3]
        listing = httpx.get(url, timeout=30)
        assert listing.status_code == 200 and 'data-thread="long"' in listing.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("missing.sqlite", "no database at "),
        ("postgresql://postgres@127.0.0.1:1/x", "127.0.0.1"),
    ],
)
def test_cli_user_mistakes_are_one_line(tmp_path, db, message):
    done = mirograph("ui", "--db", str(tmp_path / db) if "://" not in db else db)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_postgresql_database_is_read_through_read_only_transactions(tmp_path):
    import psycopg

    from tests.cli.conftest import run_args, write_script
    from tests.postgres import fresh_database

    with fresh_database("mgui") as url:
        ran = mirograph(*run_args(url, write_script(tmp_path / "s.json", calls=3), "t"))
        assert ran.returncode == 0, ran.stderr
        data = UiData(url)
        try:
            with TestClient(create_app(url)) as client:
                assert 'data-thread="t"' in client.get("/").text
                assert client.get("/thread?id=t").status_code == 200
                view = client.get("/view?id=t&call=2")
                assert view.status_code == 200 and "result for q1" in view.text
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), data.saver._write() as cur:
                cur.execute("DELETE FROM threads")
        finally:
            data.close()
