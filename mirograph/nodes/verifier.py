"""The verifier: checks a candidate answer before the run accepts it.

Rule checks always run (`verify="rules"` or `"llm"`): the answer is not empty, has the
required format, and every citation in it resolves to a source this run retrieved; an
unresolvable citation is named. A cited source that was only seen in search results (never
read) is accepted, and named in the verdict's `unread` list. The LLM check
(`verify="llm"`) runs when the rules pass: the verifier model sees the question, the answer
and the tool results of the sources it cites (the page when one was read, else the search
result), and returns a `Verdict` through `with_structured_output`. `verify="auto"` means
`llm` for a real planner model and `rules` for a scripted one.

Every verdict is recorded on the candidate AIMessage (`additional_kwargs["verdict"]`), so
the transcript says what was checked and how it went, for every provider (no extra AI turn,
no tool call). When the verifier model fails (a provider error, an unparsable verdict) the
rule checks decide and the verdict records `llm_error`: verification never ends a run.
A rejection also adds one concise feedback message (`name="verifier"`) and
sends the run back to the planner while tool budget and `max_verifications` remain;
otherwise the finalizer runs with `verified=False`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import BaseModel, Field, field_validator

from mirograph.answers.citations import rewrite_citations, unresolved
from mirograph.answers.sources import collect_sources, evidence_for, format_source, was_read
from mirograph.context import ResearchContext
from mirograph.models.failures import is_provider_error
from mirograph.models.registry import capabilities
from mirograph.prompts import load_prompt
from mirograph.resources import Resources
from mirograph.review import answer_review
from mirograph.state import ResearchState, Source, run_calls_used
from mirograph.text import extract_boxed, strip_think
from mirograph.transcript import last_ai, tool_results

EVIDENCE_CHARS = 60_000
"""Most characters of tool results the verifier model is shown (less for small windows)."""
LISTED_SOURCES = 10
"""Retrieved sources named in citation feedback, so the model knows what it may cite."""


class Verdict(BaseModel):
    """The verifier model's judgement of a candidate answer against its evidence."""

    supported: bool = Field(
        description="True only if the answer addresses the question and the evidence "
        "supports every claim in it."
    )
    problems: list[str] = Field(
        default_factory=list,
        description="Concrete problems: unsupported or contradicted claims, citations that "
        "do not say what is claimed, parts of the question left unanswered.",
    )
    missing: list[str] = Field(
        default_factory=list,
        description="What the agent should still find out or add, as short actionable items.",
    )
    confidence: float = Field(default=0.5, description="Confidence in this verdict, 0 to 1.")

    @field_validator("confidence")
    @classmethod
    def _unit_interval(cls, value: float) -> float:
        """Models sometimes answer in percent; keep the scale 0..1 rather than fail."""
        if value > 1:
            value /= 100
        return min(1.0, max(0.0, value))


def verifier(
    state: ResearchState, runtime: Runtime[ResearchContext], *, resources: Resources
) -> Command[Literal["planner", "finalizer"]]:
    """Accept the candidate answer, or send concrete feedback back to the planner."""
    settings = runtime.context
    if settings.review == "answer":  # first: a resumed node re-runs from its start
        reviewed = answer_review(state.get("messages", []))
        if reviewed is not None:
            return Command(update=reviewed, goto="planner")
    if settings.verify == "off":
        return Command(goto="finalizer")
    messages = state.get("messages", [])
    sources = collect_sources(messages)
    candidate = last_ai(messages)
    answer = strip_think(str(candidate.text)) if candidate else ""
    problems = rule_problems(answer, settings, sources)
    verdict: dict[str, Any] = {"mode": "rules", "supported": not problems, "problems": problems}
    if not problems and verify_mode(settings, resources) == "llm":
        verdict = llm_verdict(state, settings, resources, answer, sources)
    unread = unread_citations(answer, sources)
    if unread:  # allowed, and said: the answer leans on a snippet, not on the page
        verdict["unread"] = unread
    rounds = state.get("verifications", 0)
    update: dict[str, Any] = {"sources": sources}
    if candidate is not None:
        kwargs = {**candidate.additional_kwargs, "verdict": verdict}
        update["messages"] = [candidate.model_copy(update={"additional_kwargs": kwargs})]
    if verdict["supported"]:
        update |= {"verified": True, "activity": {"node": "verifier", "detail": "accepted"}}
        return Command(update=update, goto="finalizer")
    budget_left = run_calls_used(state) < settings.max_tool_calls
    if rounds >= settings.max_verifications or not budget_left:
        update |= {"verified": False, "activity": {"node": "verifier", "detail": "not verified"}}
        return Command(update=update, goto="finalizer")
    feedback = HumanMessage(content=feedback_text(verdict), name="verifier")
    update |= {
        "messages": [*update.get("messages", []), feedback],
        "verifications": rounds + 1,
        "status": "researching",
        "activity": {"node": "verifier", "detail": "rejected"},
    }
    return Command(update=update, goto="planner")


def verify_mode(settings: ResearchContext, resources: Resources) -> Literal["llm", "rules"]:
    """`auto` is `llm` unless the planner model cannot judge answers (a scripted model:
    see `models.registry`)."""
    if settings.verify in ("llm", "rules"):
        return settings.verify
    planner_model = resources.chat_model(settings, "planner")
    return "llm" if capabilities(planner_model).judges_answers else "rules"


def rule_problems(answer: str, settings: ResearchContext, sources: list[Source]) -> list[str]:
    """What is wrong with an answer by rules alone; empty when it passes."""
    visible = strip_think(answer)
    if not visible:
        return ["The answer is empty."]
    problems = []
    if settings.answer_format == "boxed" and extract_boxed(visible) is None:
        problems.append("The answer must be wrapped in \\boxed{}, e.g. \\boxed{42}.")
    bad = unresolved(visible, sources)
    if bad:
        listed = "; ".join(f"{s['n']}. {s['url']}" for s in sources[:LISTED_SOURCES])
        more = " …" if len(sources) > LISTED_SOURCES else ""
        problems.append(
            load_prompt("verifier_citations").format(
                unresolved=", ".join(bad),
                retrieved=f" (retrieved so far: {listed}{more})" if sources else " (none yet)",
            )
        )
    return problems


def unread_citations(answer: str, sources: list[Source]) -> list[str]:
    """URLs the answer cites that were only seen in search results, never read."""
    cited = rewrite_citations(strip_think(answer), sources, renumber=True).cited
    return [source["url"] for source in cited if not was_read(source)]


def feedback_text(verdict: dict[str, Any]) -> str:
    """One concise feedback message from a rejecting verdict."""
    parts = [p for p in verdict.get("problems") or [] if p.strip()]
    missing = [m for m in verdict.get("missing") or [] if m.strip()]
    if missing:
        parts.append("Still missing: " + "; ".join(m.rstrip(". ") for m in missing) + ".")
    return load_prompt("verifier_feedback").format(problems=" ".join(parts) or "unsupported.")


def llm_verdict(
    state: ResearchState,
    settings: ResearchContext,
    resources: Resources,
    answer: str,
    sources: list[Source],
) -> dict[str, Any]:
    """Ask the verifier model. Failure policy: any provider error or unparsable verdict falls
    back to the rule checks (which passed), recorded as `llm_error` in the verdict; never
    raises for the provider's or the verifier model's failure."""
    messages = state.get("messages", [])
    prompt = verifier_input(state["question"], answer, messages, sources, settings)
    model = resources.chat_model(settings, "verifier").with_structured_output(Verdict)
    try:
        result = model.invoke(prompt)
        verdict = result if isinstance(result, Verdict) else Verdict.model_validate(result)
    except Exception as exc:  # the provider's or verifier model's failure; bugs re-raise
        if not is_provider_error(exc):
            raise
        # The rule checks passed (the LLM check runs only then): they decide, and say so.
        failure = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return {"mode": "rules", "supported": True, "problems": [], "llm_error": failure[:500]}
    return {"mode": "llm", **verdict.model_dump()}


def verifier_input(
    question: str,
    answer: str,
    messages: list[AnyMessage],
    sources: list[Source],
    settings: ResearchContext,
) -> list[BaseMessage]:
    """System prompt, the verifier's earlier verdicts (as its own turns), then this request."""
    out: list[BaseMessage] = [SystemMessage(content=load_prompt("verifier"))]
    for message in messages:
        if not isinstance(message, AIMessage):
            continue
        earlier = message.additional_kwargs.get("verdict")
        if earlier and earlier.get("mode") == "llm" and "error" not in earlier:
            text = _trim(str(message.text), 2000)
            out.append(HumanMessage(content=f"Earlier candidate answer:\n{text}"))
            shown = {k: earlier[k] for k in ("supported", "problems", "missing", "confidence")}
            out.append(AIMessage(content=json.dumps(shown, ensure_ascii=False)))
    evidence, note = _evidence(answer, messages, sources, settings)
    request = load_prompt("verifier_request").format(
        question=question, answer=answer, evidence=evidence, evidence_note=note
    )
    out.append(HumanMessage(content=request))
    return out


def _evidence(
    answer: str, messages: list[AnyMessage], sources: list[Source], settings: ResearchContext
) -> tuple[str, str]:
    """The tool results behind the cited sources (or the latest results when none is cited),
    each trimmed to an equal share of the budget."""
    budget = min(EVIDENCE_CHARS, 2 * settings.context_window_tokens)
    cited = rewrite_citations(answer, sources, renumber=True).cited
    if cited:
        blocks = [(_evidence_head(s), evidence_for(messages, s)) for s in cited]
        note = "tool results for the cited sources"
    else:
        recent = list(tool_results(messages))[-3:]
        blocks = [(f"{m.name} (tool call {step})", str(m.text)) for step, m in recent]
        note = "the answer cites no source; the latest tool results"
    if not blocks:
        return "(no tool results)", "none"
    share = max(500, budget // len(blocks))
    return "\n\n".join(f"### {head}\n{_trim(text, share)}" for head, text in blocks), note


def _evidence_head(source: Source) -> str:
    if was_read(source):
        return format_source(source)
    return f"{format_source(source)} (never read: only this search result with its snippet)"


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n[… trimmed to {limit} characters]"
