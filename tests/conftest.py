"""Shared fixtures: the suite never touches the network beyond loopback (pyproject addopts)."""

from __future__ import annotations

import contextlib
import multiprocessing.process
import os
import socket
import subprocess

import pytest

# Keep LangChain/LangSmith from phoning home, whatever the developer's shell has set.
os.environ["LANGSMITH_TRACING"] = "false"
os.environ["LANGCHAIN_TRACING_V2"] = "false"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Under CI, a skipped security test is a failure: a guarantee nobody checked."""
    if not os.environ.get("CI"):
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "security" in getattr(report, "keywords", {})
    ]
    if skipped:
        terminalreporter.write_line(
            f"CI: {len(skipped)} security test(s) skipped: "
            + ", ".join(report.nodeid for report in skipped),
            red=True,
        )


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") and _security_skips(session):
        session.exitstatus = 1


def _security_skips(session) -> int:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return 0
    return sum(
        "security" in getattr(report, "keywords", {})
        for report in reporter.stats.get("skipped", [])
    )


# -- test tiers ------------------------------------------------------------------------
# `make test` runs everything; `make test-fast` runs `-m "not integration"`: tests that
# start no subprocess, server, kernel or browser and open no socket. The guard below keeps
# the marks honest in every run: an unmarked test that tries one of those fails, naming
# what it did, so a slow test cannot slip into the fast tier unnoticed.


class FastTierViolation(RuntimeError):
    """An unmarked (fast-tier) test started a process or used a socket."""


INTEGRATION_MODULES = frozenset(
    {
        "tests/cli/test_checkpoint_ids.py",
        "tests/cli/test_cli_errors.py",
        "tests/cli/test_cli_hints.py",
        "tests/cli/test_cli_postgres.py",
        "tests/cli/test_cli_run.py",
        "tests/cli/test_cli_tools.py",
        "tests/cli/test_crash_windows.py",
        "tests/cli/test_entry_points.py",
        "tests/cli/test_long_runs.py",
        "tests/cli/test_readonly.py",
        "tests/cli/test_thread_status.py",
        "tests/eval/test_export.py",
        "tests/eval/test_interrupt_hint.py",
        "tests/eval/test_ray.py",
        "tests/eval/test_resume.py",
        "tests/memory/test_summarizer_overflow.py",
        "tests/models/test_cli_runs.py",
        "tests/models/test_compat.py",
        "tests/models/test_http_runs.py",
        "tests/notebooks/test_notebooks.py",
        "tests/studio/test_review_cli.py",
        "tests/studio/test_cli_threads_in_studio.py",
        "tests/studio/test_studio.py",
        "tests/studio/test_trust.py",
        "tests/test_readme.py",
        "tests/tools/test_fetch.py",
        "tests/tools/test_mcp_sessions.py",
        "tests/tools/test_page_cache.py",
        "tests/tools/test_python_sandbox.py",
        "tests/tools/test_sandbox_non_root.py",
        "tests/ui/test_browser.py",
        "tests/ui/test_server.py",
        "tests/verify/test_cli_show.py",
        "tests/verify/test_report.py",
        "tests/verify/test_verifier_failures.py",
    }
)
"""Modules whose tests (nearly all) start processes, servers, kernels or browsers."""
INTEGRATION_TESTS = frozenset(
    {
        "tests/checkpoints/test_leases.py::test_lease_of_a_dead_process_is_taken_over",
        "tests/eval/test_eval_run.py::test_cli_attachment_outside_the_files_folder_reaches_no_model",
        "tests/eval/test_eval_run.py::test_cli_prints_the_table",
        "tests/eval/test_eval_run.py::test_cli_unreadable_dataset_is_one_line_and_exit_2",
        "tests/settings/test_deployment.py::test_a_served_graph_refuses_a_run_that_sets_an_endpoint_and_sends_nothing",
        "tests/settings/test_validation.py::test_cli_bad_number_is_one_line_before_any_work",
        "tests/tools/test_mcp.py::test_failing_mcp_tool_raises_tool_exception",
        "tests/tools/test_mcp.py::test_parent_secrets_are_not_passed_to_stdio_servers",
        "tests/tools/test_mcp.py::test_stdio_server_tools_are_loaded_and_called",
        "tests/tools/test_mcp.py::test_sync_loader_returns_tools_callable_from_sync_code",
        "tests/tools/test_search.py::test_ddgs_parses_a_results_page_from_a_local_server",
        "tests/tools/test_search.py::test_tavily_429_is_retried_then_succeeds",
        "tests/tools/test_search.py::test_tavily_bad_key_is_not_retried",
        "tests/tools/test_search.py::test_tavily_permanent_5xx_becomes_an_error_without_the_key",
        "tests/tools/test_search.py::test_tavily_results_become_text_and_sources",
        "tests/tools/test_settings.py::test_fetch_allow_list_opens_the_local_server",
        "tests/tools/test_settings.py::test_mcp_config_adds_the_servers_tools",
        "tests/tools/test_ssrf.py::test_connection_goes_to_the_checked_address_with_the_host_header_kept",
        "tests/tools/test_ssrf.py::test_default_fetch_page_never_reaches_a_loopback_server",
        "tests/tools/test_ssrf.py::test_dns_rebinding_between_check_and_connect_is_caught",
        "tests/tools/test_ssrf.py::test_redirect_from_allowed_host_to_other_loopback_port_is_refused",
    }
)
"""Single tests of otherwise fast modules (`path::function`, every parametrization)."""
SLOW_TIER_MARKS = ("slow",)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Build matplotlib's font cache before any test runs: on a fresh machine its first
    import runs `fc-list` once, which the fast tier's subprocess guard would pin on
    whichever unmarked test happens to plot first."""
    with contextlib.suppress(ImportError):  # the `plot` extra is optional
        import matplotlib.font_manager  # noqa: F401


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the integration tier: listed modules and tests, PostgreSQL modules and
    parametrizations (libpq's sockets are out of the guard's sight), `slow` scenarios."""
    for item in items:
        path, _, name = item.nodeid.partition("::")
        function = name.split("[", 1)[0]
        if (
            path in INTEGRATION_MODULES
            or f"{path}::{function}" in INTEGRATION_TESTS
            or "postgres" in path.rpartition("/")[2]
            or "postgres" in name.partition("[")[2]
            or any(item.get_closest_marker(mark) for mark in SLOW_TIER_MARKS)
        ):
            item.add_marker(pytest.mark.integration)


_GUARDS = pytest.StashKey[pytest.MonkeyPatch]()


def _refuse(item: pytest.Item, what: str):
    def guard(*_args: object, **_kwargs: object):
        raise FastTierViolation(
            f"{item.nodeid} {what}: mark it `integration` (pytest.mark.integration, "
            "or INTEGRATION_MODULES / INTEGRATION_TESTS in tests/conftest.py)"
        )

    return guard


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Guard an unmarked test from before its fixtures (session ones included, when it is
    the first to need them) until after their teardown."""
    if item.get_closest_marker("integration") is not None:
        return
    patch = pytest.MonkeyPatch()
    item.stash[_GUARDS] = patch
    patch.setattr(subprocess.Popen, "__init__", _refuse(item, "started a subprocess"))
    patch.setattr(multiprocessing.process.BaseProcess, "start", _refuse(item, "started a process"))
    for name in ("fork", "posix_spawn", "posix_spawnp", "system"):
        patch.setattr(os, name, _refuse(item, f"called os.{name}"))
    for name in ("listen", "connect", "connect_ex"):
        patch.setattr(socket.socket, name, _refuse(item, f"called socket.{name}"))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    yield
    patch = item.stash.get(_GUARDS, None)
    if patch is not None:
        patch.undo()
