"""Retries with backoff and jitter, and a shared rate limiter per backend.

Failures of the environment (429, 5xx, timeouts) are usually transient: a bounded number of
retries with exponential backoff and full jitter rides them out without hammering the
service. The sleep function is injectable so tests run instantly. A token-bucket limiter,
shared by every tool instance that talks to the same backend, keeps a run of hundreds of
parallel tool calls under the backend's request rate.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

Sleep = Callable[[float], None]


class TransientError(Exception):
    """A failure worth retrying: rate limited, server error, timeout, connection reset."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry transient failures.

    `attempts` counts the first try; delays grow as `base * 2**n` up to `cap`, and each one
    is drawn uniformly from [0, delay] ("full jitter") so parallel callers spread out.
    """

    attempts: int = 4
    base_seconds: float = 0.5
    cap_seconds: float = 8.0

    def delay(self, retry_index: int, rng: random.Random | None = None) -> float:
        """The jittered delay before retry number `retry_index` (0-based)."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2**retry_index))
        return (rng or random).uniform(0.0, ceiling)


def call_with_retry(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    is_transient: Callable[[BaseException], bool],
    sleep: Sleep = time.sleep,
    retry_after: Callable[[BaseException], float | None] = lambda _exc: None,
) -> T:
    """Call `fn`, retrying transient failures with backoff; re-raise the last failure.

    `retry_after` may read a server's Retry-After hint from the exception; it is honoured
    but capped by the policy so one response cannot stall the run.
    """
    for retry_index in range(policy.attempts):
        try:
            return fn()
        except Exception as exc:  # re-raised below unless transient and attempts remain
            last = retry_index == policy.attempts - 1
            if last or not is_transient(exc):
                raise
            hint = retry_after(exc)
            delay = policy.delay(retry_index)
            if hint is not None:
                delay = min(max(delay, hint), policy.cap_seconds)
            sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")


class RateLimiter:
    """A thread-safe token bucket: at most `rate` calls per second, bursts up to `burst`."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a token; return the seconds waited (0 when one was available)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        # Sleep outside the lock: the token is already reserved, later callers queue behind.
        if wait > 0:
            self._sleep(wait)
        return wait


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()

# Requests per second per backend; conservative defaults for free tiers.
DEFAULT_RATES: dict[str, tuple[float, int]] = {
    "tavily": (5.0, 5),
    "ddgs": (1.0, 2),
}


def shared_rate_limiter(backend: str) -> RateLimiter:
    """The process-wide limiter of one backend, created on first use."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(backend)
        if limiter is None:
            rate, burst = DEFAULT_RATES.get(backend, (2.0, 2))
            limiter = _LIMITERS[backend] = RateLimiter(rate, burst)
        return limiter
