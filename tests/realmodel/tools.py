"""Deterministic tools for the real-model lane (`--tool tests.realmodel.tools:NAME`)."""

from __future__ import annotations

from langchain_core.tools import tool

READINGS_CHARS = 3_000


@tool
def readings(station: str) -> str:
    """Return the raw sensor readings of a weather station, as digits."""
    digits = "".join(str((n * 7 + len(station)) % 10) for n in range(READINGS_CHARS))
    # Digits are about one token each for SmolLM2, four characters a token for the estimate:
    # a result the offline count thinks fits a 2048-token window, and the server does not.
    return " ".join(digits[i : i + 5] for i in range(0, len(digits), 5))
