"""An eval whose threads and results live in PostgreSQL (`--db postgresql://...`)."""

from __future__ import annotations

import pytest

from mirograph.errors import InputError
from tests.eval.conftest import run_synthetic, without_timing
from tests.postgres import fresh_database, query


def test_an_eval_on_postgres_resumes_and_refuses_to_start_over(tmp_path, settings):
    on_file = run_synthetic(tmp_path / "file", settings)
    with fresh_database("mgeval") as url:
        first = run_synthetic(tmp_path / "pg", settings, db=url)

        with pytest.raises(InputError, match="already holds an eval: pass --resume"):
            run_synthetic(tmp_path / "pg2", settings, db=url)
        again = run_synthetic(tmp_path / "pg", settings, db=url, resume=True)

        assert query(url, "SELECT count(*) FROM eval_results") == [(20,)]
    assert without_timing(first.summary) == without_timing(on_file.summary)
    assert without_timing(again.summary) == without_timing(first.summary)
    assert not (tmp_path / "pg" / "eval.sqlite").exists()


def test_the_ray_engine_needs_a_shared_database(tmp_path, settings):
    with pytest.raises(InputError, match="--engine ray needs a shared database"):
        run_synthetic(tmp_path / "x", settings, engine="ray")
