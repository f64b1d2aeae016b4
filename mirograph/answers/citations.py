"""Citations in a model's answer: find them, check them, rewrite them to recorded sources.

A model cites in three ways: a bare URL or `corpus://` URI, a markdown link, or a number
`[n]` that refers to its own "Sources" list at the end. Every citation either resolves to a
source the run actually retrieved (`mirograph.answers.sources`) or it is unresolved; the
verifier names unresolved ones, and the finalizer removes them and says so. That is what
makes a fabricated citation impossible to print as a source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mirograph.answers.sources import SourceIndex
from mirograph.state import Source

__all__ = ["Rewrite", "removal_note", "rewrite_citations", "split_sources_section", "unresolved"]

_URL = r"(?:https?|corpus)://(?:[^\s()<>\[\]\"'`]|\([^\s()<>]*\))+"
_LINK = rf"\[(?P<label>[^\[\]\n]*)\]\(\s*<?(?P<link>{_URL})>?(?:\s+\"[^\"]*\")?\s*\)"
_BARE = rf"<?(?P<url>{_URL})>?"
_NUMS = r"\[(?P<nums>\d+(?:\s*(?:,|-|–)\s*\d+)*)\](?![(:])"
_CITATION = re.compile(f"{_LINK}|{_BARE}|{_NUMS}")
_HEADING = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*"
    r"(?:sources|references|citations|bibliography|works cited)[ \t]*:?[ \t]*(?:\*\*|__)?:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_ENTRY = re.compile(r"^\s*(?:[-*+]\s+)?(?:\[(\d+)\]|(\d+)[.)])\s*:?\s*(.*)$")
_TRAILING_PUNCT = ".,;:!?*_"
_GONE = "\x00"  # marks a removed citation until the surrounding text is tidied


@dataclass
class Rewrite:
    """A text with its citations rewritten, the sources it cites, and what was removed."""

    text: str
    cited: list[Source] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _clean_url(url: str) -> str:
    """Drop prose punctuation and an unbalanced closing parenthesis from a matched URL."""
    while url and (
        url[-1] in _TRAILING_PUNCT or (url[-1] == ")" and url.count("(") < url.count(")"))
    ):
        url = url[:-1]
    return url


def _first_url(text: str) -> str | None:
    match = re.search(_URL, text)
    return _clean_url(match.group(0)) if match else None


def split_sources_section(text: str) -> tuple[str, str, dict[int, str | None]]:
    """(body, sources section, the model's own list n -> URL).

    The section starts at the last "Sources"/"References" heading; without one, a trailing
    block of `[n] ... URL` lines is the list. Entries without a URL map to None.
    """
    headings = list(_HEADING.finditer(text))
    if headings:
        start = headings[-1].start()
    else:
        lines = text.splitlines(keepends=True)
        cut = len(lines)
        while cut > 0 and (not lines[cut - 1].strip() or _is_entry_with_url(lines[cut - 1])):
            cut -= 1
        if not any(_is_entry_with_url(line) for line in lines[cut:]):
            return text, "", {}
        start = sum(len(line) for line in lines[:cut])
    body, section = text[:start], text[start:]
    own: dict[int, str | None] = {}
    for line in section.splitlines():
        match = _ENTRY.match(line)
        if match:
            own.setdefault(int(match.group(1) or match.group(2)), _first_url(match.group(3)))
    return body, section, own


def _is_entry_with_url(line: str) -> bool:
    match = _ENTRY.match(line)
    return bool(match and _first_url(match.group(3)))


def _numbers(spec: str) -> list[int]:
    """`1, 3-5` -> [1, 3, 4, 5] (ranges capped, so `[1-99999]` cannot blow up)."""
    out: list[int] = []
    for part in re.split(r"\s*,\s*", spec):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= 50:
            out.extend(range(ends[0], ends[1] + 1))
        else:
            out.extend(ends)
    return out


def _walk(
    body: str,
    own: dict[int, str | None],
    index: SourceIndex,
    on_cite: Callable[[re.Match[str], str, list[tuple[str, Source | None]]], str],
) -> str:
    """Replace every citation in `body` with `on_cite(match, as_written, refs)`, where refs
    are `(label, source or None)`; prose punctuation caught by the URL match is kept."""

    def resolve(match: re.Match[str]) -> str:
        written, tail = match.group(0), ""
        if match.group("nums") is not None:
            refs = []
            for n in _numbers(match.group("nums")):
                url = own.get(n)
                refs.append((url or f"[{n}]", index.by_url(url) if url else None))
        else:
            raw = match.group("link") or match.group("url")
            url = _clean_url(raw)
            if match.group("url") is not None and not written.endswith(">"):
                tail = raw[len(url) :]
                written = written[: len(written) - len(tail)]
            refs = [(url, index.by_url(url))]
        return on_cite(match, written, refs) + tail

    return _CITATION.sub(resolve, body)


def unresolved(text: str, sources: list[Source]) -> list[str]:
    """Citations in `text` that match no recorded source, as written, in order, once each."""
    index = SourceIndex(sources)
    body, _section, own = split_sources_section(text)
    found: list[str] = []

    def note(match: re.Match[str], written: str, refs: list[tuple[str, Source | None]]) -> str:
        found.extend(label for label, source in refs if source is None and label not in found)
        return written

    _walk(body, own, index, note)
    # A listed entry that is never cited inline is still a claim that it is a source.
    for n, url in own.items():
        label = url or f"[{n}]"
        if (url is None or index.by_url(url) is None) and label not in found:
            found.append(label)
    return found


def rewrite_citations(text: str, sources: list[Source], *, renumber: bool) -> Rewrite:
    """Remove unresolved citations; with `renumber`, turn resolved ones into `[n]` of the
    recorded sources and drop the model's own Sources section (the caller writes one)."""
    index = SourceIndex(sources)
    body, section, own = split_sources_section(text)
    result = Rewrite(text="")
    cited: dict[int, Source] = {}

    def replace(match: re.Match[str], written: str, refs: list[tuple[str, Source | None]]) -> str:
        for label, source in refs:
            if source is None:
                if label not in result.removed:
                    result.removed.append(label)
            else:
                cited.setdefault(source["n"], source)
        kept = [source for _label, source in refs if source is not None]
        if not kept:
            label = match.group("label")
            return label if label and not re.fullmatch(rf"\d+|{_URL}", label) else _GONE
        if not renumber:
            return written
        marks = "".join(f"[{n}]" for n in dict.fromkeys(s["n"] for s in kept))
        label = match.group("label")
        return f"{label} {marks}" if label and not re.fullmatch(rf"\d+|{_URL}", label) else marks

    body = _walk(body, own, index, replace)
    if not renumber and section:
        body += _kept_entries(section, index, result.removed)
    elif renumber:  # the model's list is replaced, but a fabricated entry is still noted
        for n, url in own.items():
            label = url or f"[{n}]"
            if (url is None or index.by_url(url) is None) and label not in result.removed:
                result.removed.append(label)
    result.text = _tidy(body)
    result.cited = [cited[n] for n in sorted(cited)]
    return result


def _kept_entries(section: str, index: SourceIndex, removed: list[str]) -> str:
    """The model's own Sources section without the entries that resolve to nothing."""
    lines, entries = [], 0
    for line in section.splitlines(keepends=True):
        match = _ENTRY.match(line)
        url = _first_url(match.group(3)) if match else None
        if match and (url is None or index.by_url(url) is None):
            label = url or f"[{match.group(1) or match.group(2)}]"
            if label not in removed:
                removed.append(label)
            continue
        entries += bool(match)
        lines.append(line)
    return "".join(lines) if entries else ""


def _tidy(text: str) -> str:
    """Close the gaps removed citations leave: empty brackets, spaces before punctuation."""
    text = re.sub(rf"[ \t]*[(\[][ \t]*{_GONE}(?:[\s,;]*{_GONE})*[ \t]*[)\]]", _GONE, text)
    text = re.sub(rf"[ \t]*{_GONE}(?:[ \t]*[,;][ \t]*{_GONE})*", "", text)
    text = re.sub(r"[ \t]*\(((?:\[\d+\])+)\)", r" \1", text)  # "(https://…)" became "([1])"
    text = re.sub(r"\[(\d+)\](?:\[\1\])+", r"[\1]", text)
    return text.strip()


def removal_note(removed: list[str]) -> str:
    """`Removed 1 citation that does not match a retrieved source: `URL`.` ("" if none)."""
    if not removed:
        return ""
    count = len(removed)
    noun, verb = ("citation", "does") if count == 1 else ("citations", "do")
    listed = ", ".join(f"`{label}`" for label in removed)
    return f"Removed {count} {noun} that {verb} not match a retrieved source: {listed}."
