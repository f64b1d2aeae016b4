"""Issue 15, point 8: the Ctrl-C hint of `mirograph eval` works when pasted."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time

from tests.eval.conftest import DATASET, REPO, cli_env, eval_args, run_cli
from tests.eval.test_resume import finished_threads


def test_the_interrupt_hint_repeats_every_option_and_continues_the_eval(tmp_path, corpus):
    out = tmp_path / "out"
    args = eval_args(DATASET, out, corpus, "--concurrency", "2", "--limit", "6")
    env = cli_env(MIROGRAPH_EVAL_MODEL_DELAY="0.1")
    process = subprocess.Popen(args, env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while not finished_threads(out / "eval.sqlite") and process.poll() is None:
        assert time.monotonic() < deadline, "no task finished in time"
        time.sleep(0.02)
    assert process.poll() is None, "the eval ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 3, stderr

    line = stderr.strip().splitlines()[-1]
    prefix = "interrupted — continue with: "
    assert line == prefix + shlex.join(["mirograph", *args[3:], "--resume"])
    pasted = shlex.split(line.removeprefix(prefix))
    resumed = run_cli([sys.executable, "-m", *pasted])
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((out / "summary.json").read_text())["tasks"] == 6
