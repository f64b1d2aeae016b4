"""The run's final outputs: the answer in its format, and the cited markdown report.

The report is built from the model's own markdown, made trustworthy by construction: its
citations are rewritten to the numbers of the sources the run recorded (`[n]` in the text
is entry `n` of `sources` and of `mirograph show`), its own Sources list is replaced by one
generated from those records, and any citation that resolves to nothing is removed and
named in a note at the end, never listed as a source.
"""

from __future__ import annotations

import re
from typing import Any

from mirograph.answers.citations import removal_note, rewrite_citations
from mirograph.answers.sources import format_source
from mirograph.context import ResearchContext
from mirograph.prompts import load_prompt
from mirograph.state import Source
from mirograph.text import extract_boxed, strip_think

__all__ = ["final_outputs", "lead_answer", "render_report"]

_TITLE = re.compile(r"^#[ \t]+\S")
_MARKS = re.compile(r"[ \t]*(?:\[\d+\])+")


def final_outputs(
    text: str, question: str, settings: ResearchContext, sources: list[Source]
) -> dict[str, Any]:
    """`answer`, `sources` and, in report mode, `report`, from the model's final reply."""
    visible = strip_think(text)
    outputs: dict[str, Any] = {"sources": sources}
    if settings.answer_format == "boxed":
        outputs["answer"] = extract_boxed(visible) or ""
    elif settings.answer_format == "report":
        outputs["report"], outputs["answer"] = render_report(visible, question, sources)
    else:
        rewrite = rewrite_citations(visible, sources, renumber=False)
        note = removal_note(rewrite.removed)
        outputs["answer"] = f"{rewrite.text}\n\n{note}" if rewrite.text and note else rewrite.text
    return outputs


def render_report(text: str, question: str, sources: list[Source]) -> tuple[str, str]:
    """(report markdown, its lead answer); ("", "") when the model wrote nothing."""
    rewrite = rewrite_citations(strip_think(text), sources, renumber=True)
    body = rewrite.text
    if not body:
        return "", ""
    if not _TITLE.match(body):
        body = f"# {_title(question)}\n\n{body}"
    listed = [f"- {format_source(s)}" for s in rewrite.cited]
    parts = [body, "## Sources", "\n".join(listed) or load_prompt("report_no_sources")]
    note = removal_note(rewrite.removed)
    if note:
        parts.append(f"> {note}")
    return "\n\n".join(parts) + "\n", lead_answer(body)


def lead_answer(report: str) -> str:
    """The first paragraph after the title (the answer up front), without citation marks."""
    for paragraph in re.split(r"\n\s*\n", report):
        lines = [ln for ln in paragraph.strip().splitlines() if not ln.lstrip().startswith("#")]
        text = " ".join(" ".join(lines).split())
        if text:
            return _MARKS.sub("", text).strip()
    return ""


def _title(question: str, width: int = 120) -> str:
    title = " ".join(question.split()) or "Research report"
    return title if len(title) <= width else title[: width - 1] + "…"
