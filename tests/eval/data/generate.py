"""Regenerate the synthetic benchmark: `python tests/eval/data/generate.py`.

Twenty questions in MiroThinker's standardized format whose answers follow from a small
corpus of one-fact documents by a known number of hops (1-4 searches), plus one answered by
an attached file, one whose ground truth is written differently from the corpus (exact
match fails, a judge accepts it), one with thousands separators, and one whose ground
truth contradicts the corpus (always wrong). The hop count is the step at which the
scripted agent (tests/eval/agents.py) finds the answer, which makes the scaling curve known.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).parent

# (task id, entity, [(relation, value), ...] innermost first, ground truth override)
CHAINS: list[tuple[str, str, list[tuple[str, str]], str | None]] = [
    ("t01", "Zarnia", [("capital", "Quellport")], None),
    ("t02", "Mira Voss", [("birthplace", "Dunmere")], None),
    ("t03", "Halvard Bridge", [("architect", "Ilse Marrow")], None),
    ("t04", "Brenn Valley", [("river", "the Sallow")], None),
    ("t05", "Oren Talby", [("homeland", "Kestria"), ("capital", "Vantor")], None),
    ("t06", "Crimson Lyceum", [("founder", "Pella Rusk"), ("birthplace", "Orvane")], None),
    ("t07", "Glass Harbor", [("mayor", "Tobin Vael"), ("mentor", "Adda Fenn")], None),
    ("t08", "Ninefold Codex", [("author", "Sefa Orlow"), ("hometown", "Ribbleton")], None),
    ("t09", "Lake Umber", [("province", "Hesk"), ("governor", "Caro Windle")], None),
    (
        "t10",
        "Amber Accord",
        [("signatory", "Veyra Lusk"), ("homeland", "Tallis"), ("capital", "Mornhollow")],
        None,
    ),
    (
        "t11",
        "Drummond Fair",
        [
            ("organizer", "Ansel Crate"),
            ("employer", "Brightwater Mill"),
            ("owner", "Nell Ashgrove"),
        ],
        None,
    ),
    (
        "t12",
        "Verdant Cup",
        [("winner", "Koa Linden"), ("coach", "Rhea Stamm"), ("birthplace", "Pellis")],
        None,
    ),
    (
        "t13",
        "Saint Orla Abbey",
        [("abbess", "Maren Holt"), ("sister", "Idra Holt"), ("spouse", "Fennick Roe")],
        None,
    ),
    (
        "t14",
        "Copper Line",
        [
            ("terminus", "Wexley"),
            ("county", "Harrowmoor"),
            ("sheriff", "Dace Morrow"),
            ("birthplace", "Elmstead"),
        ],
        None,
    ),
    (
        "t15",
        "Project Lantern",
        [
            ("sponsor", "Gallow Trust"),
            ("chair", "Ysolde Park"),
            ("alma mater", "Corwin College"),
            ("mascot", "the heron"),
        ],
        None,
    ),
    (
        "t16",
        "Ninth Regatta",
        [
            ("champion", "Tamsin Crowe"),
            ("vessel", "Gray Petrel"),
            ("shipwright", "Olek Varga"),
            ("hometown", "Saltreach"),
        ],
        None,
    ),
    ("t18", "Vell Harbor", [("population", "1024")], "1,024"),
    ("t19", "Tessaly", [("highest peak", "Quorra Summit (Mount Quorra)")], "Mount Quorra"),
    ("t20", "Ostrel Guild", [("founder", "Hanna Brisk")], "Jonas Brisk"),
]
ATTACHED = ("t17", "Project Ember", "code word", "Saffron", "ember_memo.txt")


def question(entity: str, relations: list[str]) -> str:
    """Outermost relation first: `What is the capital of the homeland of Oren Talby?`."""
    return "What is the " + " of the ".join(reversed(relations)) + f" of {entity}?"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def main() -> None:
    corpus = HERE / "corpus"
    corpus.mkdir(exist_ok=True)
    rows = []
    for task_id, entity, hops, truth in CHAINS:
        subject = entity
        for relation, value in hops:
            name = f"{slug(relation)}-of-{slug(subject)}.md"
            text = f"# {subject}\n\nThe {relation} of {subject} is {value}.\n"
            (corpus / name).write_text(text)
            subject = value
        rows.append(
            {
                "task_id": task_id,
                "task_question": question(entity, [r for r, _ in hops]),
                "ground_truth": truth or hops[-1][1],
                "file_name": "",
            }
        )
    task_id, entity, relation, value, file_name = ATTACHED
    (HERE / file_name).write_text(f"Internal memo.\nThe {relation} of {entity} is {value}.\n")
    rows.insert(
        16,
        {
            "task_id": task_id,
            "task_question": question(entity, [relation]),
            "ground_truth": value,
            "file_name": file_name,
        },
    )
    with (HERE / "synthetic.jsonl").open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
