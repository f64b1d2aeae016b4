"""Shared fixtures: the suite never touches the network beyond loopback (pyproject addopts)."""

from __future__ import annotations

import os

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
