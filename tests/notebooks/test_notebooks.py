"""The notebooks run top to bottom, offline, as a newcomer would run them.

Each notebook executes in a fresh kernel of *this* interpreter, from a temporary copy of
the repository layout (`notebooks/` next to `examples/`), with a first cell that blocks
every connection beyond loopback, as the rest of the suite does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import install as install_kernelspec
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "01_quickstart",
    "02_compose_your_graph",
    "03_pause_resume_branch",
    "04_context_management",
]
CELL_TIMEOUT = 120
OFFLINE = """\
import pytest_socket

pytest_socket.socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)
"""


@pytest.fixture(scope="session")
def jupyter_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `python3` kernelspec running this interpreter, ahead of any user-level one."""
    prefix = tmp_path_factory.mktemp("jupyter")
    install_kernelspec(prefix=str(prefix))
    return prefix / "share" / "jupyter"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jupyter_path: Path) -> Path:
    """`notebooks/` to run in, with the repository's `examples/` beside it."""
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "notebooks").mkdir()
    return tmp_path / "notebooks"


def test_the_four_notebooks_are_there():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


def test_kernelspec_runs_this_interpreter(workdir: Path):
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_committed_without_outputs(name: str):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert [(cell.outputs, cell.execution_count) for cell in code] == [([], None)] * len(code)


def test_notebooks_match_their_generator():
    build = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "_build.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr


_EXECUTED: dict[str, nbformat.NotebookNode] = {}
"""Each notebook runs once; the tests that read its outputs share the run."""


def executed(name: str, workdir: Path) -> nbformat.NotebookNode:
    """The notebook run top to bottom in a fresh kernel (once per session)."""
    if name not in _EXECUTED:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        notebook.cells.insert(0, nbformat.v4.new_code_cell(OFFLINE, id="offline-guard"))
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=CELL_TIMEOUT,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute()  # raises CellExecutionError, naming the cell, on any error
        _EXECUTED[name] = notebook
    return _EXECUTED[name]


def printed(notebook: nbformat.NotebookNode) -> list[str]:
    """Every line the code cells printed (rich's tables as their plain text), in order."""

    def text(output: nbformat.NotebookNode) -> str:
        if output.output_type == "stream":
            return output.text
        return output.get("data", {}).get("text/plain", "")

    return [
        line
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        for line in text(output).splitlines()
    ]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_offline_without_errors(name: str, workdir: Path):
    notebook = executed(name, workdir)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []


@pytest.mark.timeout(300)
def test_the_branching_notebook_prints_the_statuses_mirograph_threads_shows(workdir: Path):
    lines = printed(executed("03_pause_resume_branch", workdir))
    paused = next(line for line in lines if line.startswith("status="))
    # `paused`, or `done` on a machine fast enough to finish first; never the research
    # state's own `researching`.
    assert paused.split(",")[0].removeprefix("status=") in ("paused", "done")
    assert "log-hint before it runs: paused" in lines
    table = [line for line in lines if line.startswith("│ log")]
    assert [row.split("│")[5].strip() for row in table] == ["done", "done"]
