"""Text out of documents: main text of HTML pages, text of PDFs. Used by fetch and corpus.

HTML goes through trafilatura's default extraction (comments off, tables on), and its
document tree is rendered as markdown here, so headings, lists and tables stay readable
and sentences stay whole. When it finds no main text (short or unusual pages), the page's
visible text is used instead.
"""

from __future__ import annotations

import contextlib
import io
import json

import trafilatura
from lxml import etree

_BREAK = "\ue000"  # stands for an explicit line break while whitespace is collapsed


def pdf_available() -> bool:
    """Whether the optional `pdf` extra (pypdf) is installed."""
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return False
    return True


def extractor_errors() -> tuple[type[Exception], ...]:
    """Errors of optional extractors (a corrupt PDF) that mean "this document is unreadable"."""
    try:
        from pypdf.errors import PyPdfError
    except ImportError:
        return ()
    return (PyPdfError,)


def pdf_text(body: bytes) -> str:
    """The text of every page of a PDF, pages separated by a blank line."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)


def extract_main_text(body: bytes, url: str) -> tuple[str, str]:
    """(title, main text as markdown) of an HTML page; falls back to all visible text."""
    tree = trafilatura.bare_extraction(
        body,
        url=url,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        with_metadata=True,
        as_dict=False,
    )
    text = ""
    title = ""
    if tree is not None:
        title = tree.title or ""
        if tree.body is not None:
            text = _markdown(tree.body)
    if not text.strip():
        text = trafilatura.html2txt(body) or ""
    return title, text


def _markdown(main: etree._Element) -> str:
    """Markdown of trafilatura's document tree: headings, paragraphs, lists, tables,
    quotes and code as blocks; inline emphasis and links as plain text (so sentences
    stay whole for the model and for search)."""
    blocks = [_block(element) for element in main]
    return "\n\n".join(block for block in blocks if block.strip())


def _block(element: etree._Element, depth: int = 0) -> str:
    tag = element.tag
    if tag == "head":
        rend = element.get("rend") or "h2"
        level = int(rend[1]) if rend[1:].isdigit() else 2
        return "#" * min(level, 6) + " " + _inline(element)
    if tag == "list":
        ordered = element.get("rend") == "ol"
        lines = []
        for number, item in enumerate(element, start=1):
            nested = [child for child in item if child.tag == "list"]
            marker = f"{number}." if ordered else "-"
            lines.append("  " * depth + f"{marker} " + _inline(item, skip=("list",)))
            lines.extend(_block(child, depth + 1) for child in nested)
        return "\n".join(lines)
    if tag == "table":
        return _table(element)
    if tag == "quote":
        return "\n".join("> " + line for line in _inline(element).splitlines())
    if tag == "code":
        return "```\n" + "".join(element.itertext()).strip("\n") + "\n```"
    if tag == "graphic":
        return ""
    return _inline(element)


def _inline(element: etree._Element, skip: tuple[str, ...] = ()) -> str:
    """The text of an element on one line, but for its explicit line breaks."""
    text = " ".join("".join(_pieces(element, skip)).split())
    return "\n".join(line.strip() for line in text.split(_BREAK) if line.strip())


def _pieces(element: etree._Element, skip: tuple[str, ...]) -> list[str]:
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append(_BREAK)
        elif child.tag not in skip:
            parts.extend(_pieces(child, ()))
        parts.append(child.tail or "")
    return parts


def _table(table: etree._Element) -> str:
    rows = [
        [_inline(cell).replace("|", "\\|").replace("\n", " ") for cell in row if cell.tag == "cell"]
        for row in table
        if row.tag == "row"
    ]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


def render(kind: str, body: bytes, url: str, encoding: str) -> tuple[str, str]:
    """(title, text) of a fetched body of kind 'html', 'text', 'json' or 'pdf'."""
    if kind == "html":
        return extract_main_text(body, url)
    if kind == "pdf":
        return "", pdf_text(body)
    text = body.decode(encoding or "utf-8", errors="replace")
    if kind == "json":
        # A cut or malformed JSON body is still useful as text.
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
    return "", text
