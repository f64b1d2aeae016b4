"""How a CLI run that stopped on an error says what happened and what to do next.

Failures that are not bugs (a provider still failing after its retries, the network gone,
the recursion limit, a scripted model out of responses) end with one line and a hint that
works when pasted. Errors a plain resume would only repeat (a 400 from the provider, a bad
key, a script with no more responses) say so, and name what to change instead.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# HTTP statuses a retry can outlive: timeouts, conflicts, rate limits (and every 5xx).
_TRANSIENT_STATUS = {408, 409, 425, 429}
_UNKNOWN_TOOL = re.compile(r"^Error: unknown tool '([^']+)'")
_ENABLE = {
    "search_corpus": "--corpus PATH",
    "web_search": "--tool web_search",
    "fetch_page": "--tool fetch_page",
    "run_python": "--tool run_python",
}


def is_stopping_error(exc: Exception) -> bool:
    """Failures that end a run without being bugs: a provider still failing after its own
    retries, the network gone, the recursion limit, or a scripted model's script run out."""
    from langgraph.errors import GraphRecursionError

    from mirograph.errors import ScriptExhausted
    from mirograph.models.failures import PROVIDER_PACKAGES

    if isinstance(exc, (ConnectionError, TimeoutError, GraphRecursionError, ScriptExhausted)):
        return True
    return any(cls.__module__.split(".")[0] in PROVIDER_PACKAGES for cls in type(exc).__mro__)


def resume_command(thread_id: str, db: Path | str, *extra: str) -> str:
    """`mirograph resume THREAD --db DB …`, quoted so it can be pasted into a shell."""
    return shlex.join(["mirograph", "resume", thread_id, "--db", str(db), *extra])


def stop_message(exc: Exception, thread_id: str, db: Path | str, messages: Sequence[Any]) -> str:
    """The one line a stopped run ends with: what failed, and the next command that helps."""
    from mirograph.errors import ScriptExhausted

    first = str(exc).splitlines()[0] if str(exc) else ""
    what = f"the run stopped: {type(exc).__name__}: {first}"
    saved = "every finished step is saved"
    if isinstance(exc, ScriptExhausted):
        cause = unknown_tools_cause(messages)
        if cause:  # the transcript already holds the failed calls: only a new run helps
            return f"{what}{cause} — resuming would stop the same way: run again with it enabled"
        return (
            f"{what} — {saved}, but resuming with the same script would stop again; "
            "give it a longer script: "
            f"{resume_command(thread_id, db, '--model', 'scripted:LONGER_SCRIPT.json')}"
        )
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in _TRANSIENT_STATUS:
        fix = "check the API key" if status in (401, 403) else "change the model or its settings"
        return (
            f"{what} — the provider refused the request (HTTP {status}); resuming as it is "
            f"would send it again. {saved}; {fix}, then: "
            f"{resume_command(thread_id, db, '--model', 'PROVIDER:MODEL')}"
        )
    return f"{what} — {saved}; continue with: {resume_command(thread_id, db)}"


def unknown_tools_cause(messages: Sequence[Any]) -> str:
    """`; the model called search_corpus, which this run does not enable (--corpus PATH)`."""
    names: list[str] = []
    for message in messages:
        if getattr(message, "type", "") != "tool":
            continue
        match = _UNKNOWN_TOOL.match(str(message.content))
        if match and match.group(1) not in names:
            names.append(match.group(1))
    if not names:
        return ""
    how = ", ".join(f"{name}: {_ENABLE.get(name, '--tool MODULE:ATTR')}" for name in names)
    called = " and ".join(names)
    verb = "is" if len(names) == 1 else "are"
    return f"; the model called {called}, which {verb} not enabled in this run ({how})"
