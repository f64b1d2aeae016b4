"""Main-text extraction quality: mirograph's `extract_main_text` vs stock trafilatura markdown.

The measure: the share of expected sentences handled right — main-text sentences (`with`)
kept plus boilerplate sentences (`without`) dropped, over all expected sentences — on two
sets of real pages: `tests/data/webpages/` (the test data) and `bench/data/webpages-heldout/`
(pages no test uses and nothing was tuned on). `--pages DIR` adds any folder with an
`expected.json` of the same format; `--evaldata FILE` scores a trafilatura-style
`evaldata.json` (url -> file, with, without) whose files sit next to it or under `eval/`
and `cache/` (tuning happened on trafilatura's own evaluation set minus these pages).

    python bench/extraction.py [--pages DIR]... [--evaldata FILE] [--verbose]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import trafilatura

from mirograph.tools.extract import extract_main_text

REPO = Path(__file__).resolve().parents[1]
SETS = {
    "tests/data/webpages": REPO / "tests" / "data" / "webpages",
    "bench/data/webpages-heldout": REPO / "bench" / "data" / "webpages-heldout",
}
Extractor = Callable[[bytes, str], str]


def stock(body: bytes, url: str) -> str:
    """What fetch_page used before: trafilatura's markdown, tables on, comments off."""
    text = trafilatura.extract(
        body, url=url, output_format="markdown", include_comments=False, include_tables=True
    )
    return text or trafilatura.html2txt(body) or ""


def mirograph(body: bytes, url: str) -> str:
    return extract_main_text(body, url)[1]


EXTRACTORS: dict[str, Extractor] = {"stock trafilatura md": stock, "mirograph": mirograph}


def pages(folder: Path) -> Iterator[tuple[Path, str, dict]]:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    for name, entry in sorted(expected.items()):
        yield folder / name, entry.get("url") or "", entry


def evaldata(path: Path) -> Iterator[tuple[Path, str, dict]]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    for url, entry in entries.items():
        for place in (path.parent, path.parent / "eval", path.parent / "cache"):
            if (place / entry["file"]).exists():
                yield place / entry["file"], url, entry
                break


def score(items: list[tuple[Path, str, dict]], extract: Extractor, verbose: bool) -> tuple:
    kept = dropped = wanted = unwanted = 0
    for path, url, entry in items:
        text = extract(path.read_bytes(), url)
        page_kept = sum(sentence in text for sentence in entry["with"])
        page_dropped = sum(sentence not in text for sentence in entry["without"])
        if verbose:
            print(
                f"  {path.name}: kept {page_kept}/{len(entry['with'])}, "
                f"dropped {page_dropped}/{len(entry['without'])}"
            )
        kept, dropped = kept + page_kept, dropped + page_dropped
        wanted, unwanted = wanted + len(entry["with"]), unwanted + len(entry["without"])
    return kept, wanted, dropped, unwanted, (kept + dropped) / max(1, wanted + unwanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, action="append", default=[])
    parser.add_argument("--evaldata", type=Path)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    sets = {name: list(pages(folder)) for name, folder in SETS.items()}
    sets.update({str(folder): list(pages(folder)) for folder in args.pages})
    if args.evaldata:
        skip = {path.name for items in sets.values() for path, _, _ in items}
        sets[str(args.evaldata)] = [i for i in evaldata(args.evaldata) if i[0].name not in skip]
    print(
        f"| {'pages':<30} | {'n':>4} | {'extractor':<20} | {'main kept':>11} | "
        f"{'boilerplate dropped':>19} | {'score':>6} |"
    )
    print(f"|{'-' * 32}|{'-' * 6}|{'-' * 22}|{'-' * 13}|{'-' * 21}|{'-' * 8}|")
    for name, items in sets.items():
        for label, extract in EXTRACTORS.items():
            if args.verbose:
                print(f"{name} / {label}")
            kept, wanted, dropped, unwanted, value = score(items, extract, args.verbose)
            print(
                f"| {name[-30:]:<30} | {len(items):>4} | {label:<20} | "
                f"{f'{kept}/{wanted}':>11} | {f'{dropped}/{unwanted}':>19} | {value:>6.3f} |"
            )


if __name__ == "__main__":
    main()
