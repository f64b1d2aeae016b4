"""Which exceptions are a model provider's failure, not a bug in mirograph.

Every model call has a written failure policy (README, "Failure policy per model call");
this predicate is how each policy tells "the provider or model failed" (an HTTP error after
the client's retries, the network gone, a reply that is not the object asked for) from a
bug, which always raises.
"""

from __future__ import annotations

from langchain_core.exceptions import OutputParserException
from pydantic import ValidationError

PROVIDER_PACKAGES = frozenset(
    {"openai", "anthropic", "google", "groq", "mistralai", "cohere", "httpx", "ollama"}
)
"""Packages whose exceptions come from a provider's client."""


def is_provider_error(exc: BaseException) -> bool:
    """A provider or network failure after retries, or a reply not in the shape asked for."""
    from mirograph.models.compat import StructuredOutputFailed

    if isinstance(
        exc,
        (
            ConnectionError,
            TimeoutError,
            OutputParserException,
            ValidationError,
            StructuredOutputFailed,
        ),
    ):
        return True
    return any(cls.__module__.split(".")[0] in PROVIDER_PACKAGES for cls in type(exc).__mro__)
