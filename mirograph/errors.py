"""Exceptions, split by audience.

```
MirographError                 a mistake of the user: config or input; one clear sentence
├── ConfigError                bad settings, unknown model provider, missing API key
├── InputError                 empty question, unreadable script file
├── ThreadNotFound             no such thread in the database
├── DatabaseError              not a SQLite file, unreadable, corrupt
└── ThreadBusy                 another live process is advancing this thread
ScriptExhausted (RuntimeError) a ScriptedChatModel ran out of responses: a bug in a test
```

Mistakes of the *model* (bad tool arguments, unknown tool, malformed protocol) are not
exceptions: they go back to the model as messages. Failures of the *environment* (network,
rate limits, timeouts) are retried, then reported to the model as tool errors. Bugs raise.
"""

from __future__ import annotations


class MirographError(Exception):
    """A mistake the user can fix; the message is one sentence that says how."""


class ConfigError(MirographError):
    """Settings that cannot work: unknown provider, missing API key, bad value."""


class InputError(MirographError):
    """Input that cannot be researched: an empty question, an unreadable file."""


class ThreadNotFound(MirographError):
    """The thread id is not in the database."""


class DatabaseError(MirographError):
    """The database file cannot be used: a directory, not SQLite, corrupt, unreadable."""


class ThreadBusy(MirographError):
    """Another live process holds the thread's lease."""


class ScriptExhausted(RuntimeError):
    """A scripted model was asked for more responses than its script has."""
