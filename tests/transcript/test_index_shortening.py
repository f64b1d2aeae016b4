"""The transcript index shortens older long AI turns exactly as the pure functions do."""

from __future__ import annotations

import random

import pytest
from langchain_core.messages import AIMessage

from mirograph.memory.context_window import shorten_old_turns, stub_old_results
from mirograph.memory.tokens import estimate_tokens
from mirograph.memory.transcript_index import TranscriptIndex
from mirograph.transcript import paired
from tests.memory.test_transcript_index import random_transcript


@pytest.mark.parametrize("seed", range(20))
def test_a_growing_transcript_with_long_turns_matches_the_pure_functions(seed) -> None:
    rng = random.Random(seed)
    messages = [
        m.model_copy(update={"content": "t" * rng.choice([5, 50, 400, 3000])})
        if isinstance(m, AIMessage)
        else m
        for m in random_transcript(rng, 30)
    ]
    index = TranscriptIndex()
    for length in range(1, len(messages) + 1):
        prefix = messages[:length]
        index.extend(prefix)
        start = rng.randint(1, max(1, length))
        keep = rng.choice([-1, 0, 1, 2, 5])
        limit = rng.choice([-1, 0, 100, 1000])
        window, tokens = index.window(start, keep, limit)
        expected = shorten_old_turns(stub_old_results(paired(prefix[start:]), keep), keep, limit)
        assert [m.model_dump() for m in window] == [m.model_dump() for m in expected]
        assert tokens == estimate_tokens(expected)
