"""Grading answers: normalized exact match first, then an LLM judge with structured output.

Exact match decides the easy cases for free and identically on every run; only answers it
cannot accept go to the judge model, with one of three benchmark prompts (data files in
`mirograph/eval/prompts/`): the equivalence judge (default, as MiroThinker uses with
gpt-4.1), HLE's official extraction judge, and BrowseComp's A/B grader. Verdicts are cached
per (task, ground truth, answer, judge), so repeated runs and resumed evals never pay twice.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from mirograph.errors import ConfigError
from mirograph.eval.data import Task
from mirograph.prompts import load_prompt
from mirograph.text import extract_boxed

log = logging.getLogger(__name__)

JudgeKind = Literal["equivalence", "hle", "browsecomp"]
JUDGE_KINDS: tuple[str, ...] = ("equivalence", "hle", "browsecomp")


class EquivalenceJudgment(BaseModel):
    reasoning: str = Field(description="One or two sentences on why.")
    verdict: Literal["correct", "incorrect", "not_attempted"]


class HLEJudgment(BaseModel):
    extracted_final_answer: str
    reasoning: str
    correct: Literal["yes", "no"]
    confidence: int = Field(default=100, ge=0, le=100)


class ABJudgment(BaseModel):
    reasoning: str
    grade: Literal["A", "B"] = Field(description="A: CORRECT, B: INCORRECT")


SCHEMAS: dict[str, type[BaseModel]] = {
    "equivalence": EquivalenceJudgment,
    "hle": HLEJudgment,
    "browsecomp": ABJudgment,
}


@dataclass(frozen=True)
class Verdict:
    """How one answer was graded."""

    correct: bool
    method: Literal["exact", "llm", "none", "error"]
    """`exact`: normalized match; `llm`: the judge model; `none`: no judge model and no
    match; `error`: the judge failed (not cached; a resumed eval grades it again)."""
    detail: str = ""


class VerdictCache(Protocol):
    def get_verdict(self, key: tuple[str, str, str, str]) -> Verdict | None: ...
    def put_verdict(self, key: tuple[str, str, str, str], verdict: Verdict) -> None: ...


@cache
def load_judge_prompt(kind: str) -> str:
    """The prompt template `mirograph/eval/prompts/KIND.md`."""
    if kind not in JUDGE_KINDS:
        raise ConfigError(f"unknown judge {kind!r}; choose from {', '.join(JUDGE_KINDS)}")
    return load_prompt(f"prompts/{kind}", package="mirograph.eval")


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_PUNCT = re.compile(r"[^\w\s.]|(?<!\d)\.|\.(?!\d)")


def normalize(text: str) -> str:
    """Lower-case, `\\boxed{}` and quotes removed, articles and punctuation dropped,
    thousands separators removed, whitespace collapsed: `"The 1,024 Cats."` -> `1024 cats`."""
    text = unicodedata.normalize("NFKC", text)
    text = extract_boxed(text) or text
    text = _THOUSANDS.sub("", text.lower())
    text = _PUNCT.sub(" ", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(answer: str, ground_truth: str) -> bool:
    """Normalized strings equal, or both numbers and numerically equal (`3.50` == `3.5`)."""
    a, b = normalize(answer), normalize(ground_truth)
    if not a:
        return False
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


class Judge:
    """Grades answers of one benchmark: exact match, then (if given) the judge model."""

    def __init__(
        self,
        model: BaseChatModel | None = None,
        *,
        kind: JudgeKind = "equivalence",
        cache: VerdictCache | None = None,
    ) -> None:
        load_judge_prompt(kind)  # a bad kind fails now, not after the runs
        self.model = model
        self.kind = kind
        self.cache = cache

    async def agrade(self, task: Task, answer: str) -> Verdict:
        """The verdict for `answer`; a judge failure is a `method="error"` verdict."""
        if exact_match(answer, task.ground_truth):
            return Verdict(True, "exact")
        if not answer.strip():
            return Verdict(False, "exact", "no answer")
        if self.model is None:
            return Verdict(False, "none", "no exact match and no judge model")
        key = (task.task_id, task.ground_truth, answer, self.kind)
        if self.cache is not None and (cached := self.cache.get_verdict(key)) is not None:
            return cached
        try:
            verdict = await self._ask(task, answer)
        except Exception as exc:  # the provider failed: recorded, shown, graded on resume
            log.warning("judge failed on task %s", task.task_id, exc_info=True)
            return Verdict(False, "error", f"{type(exc).__name__}: {exc}")
        if self.cache is not None:
            self.cache.put_verdict(key, verdict)
        return verdict

    async def _ask(self, task: Task, answer: str) -> Verdict:
        assert self.model is not None
        prompt = load_judge_prompt(self.kind).format(
            question=task.question, ground_truth=task.ground_truth, answer=answer
        )
        schema = SCHEMAS[self.kind]
        result = await self.model.with_structured_output(schema).ainvoke(prompt)
        judgment = result if isinstance(result, schema) else schema.model_validate(result)
        if isinstance(judgment, EquivalenceJudgment):
            return Verdict(judgment.verdict == "correct", "llm", judgment.reasoning)
        if isinstance(judgment, HLEJudgment):
            return Verdict(judgment.correct == "yes", "llm", judgment.reasoning)
        assert isinstance(judgment, ABJudgment)
        return Verdict(judgment.grade == "A", "llm", judgment.reasoning)


def default_judge_kind(data_format: str) -> JudgeKind:
    """The judge a benchmark's layout implies: HLE and BrowseComp have their own."""
    if data_format == "hle":
        return "hle"
    if data_format == "browsecomp":
        return "browsecomp"
    return "equivalence"
