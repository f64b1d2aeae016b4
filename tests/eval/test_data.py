"""Loading benchmark files: the standardized format, known layouts, field maps, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mirograph.errors import InputError
from mirograph.eval import load_tasks, parse_fields
from tests.eval.conftest import DATASET


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_standardized_dataset_loads_twenty_tasks_in_order():
    tasks = load_tasks(DATASET)
    assert [t.task_id for t in tasks] == [f"t{n:02d}" for n in range(1, 21)]
    assert (tasks[4].question, tasks[4].ground_truth) == (
        "What is the capital of the homeland of Oren Talby?",
        "Vantor",
    )


def test_attached_file_text_is_part_of_the_prompt():
    task = load_tasks(DATASET)[16]
    assert task.prompt == (
        "What is the code word of Project Ember?\n\nAttached file `ember_memo.txt`:\n```\n"
        "Internal memo.\nThe code word of Project Ember is Saffron.\n\n```"
    )


def test_binary_attachment_is_described_not_inlined(tmp_path):
    (tmp_path / "scan.bin").write_bytes(b"\x00\x01\x02")
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"task_id": "a", "task_question": "Q?", "ground_truth": "A", "file_name": "scan.bin"}
    ])  # fmt: skip
    assert load_tasks(data)[0].attachment == "(binary file scan.bin, 3 bytes; no text extracted)"


def test_missing_attachment_is_a_clear_error(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"task_id": "a", "task_question": "Q?", "ground_truth": "A", "file_name": "gone.pdf"}
    ])  # fmt: skip
    with pytest.raises(InputError, match=r"gone\.pdf does not exist"):
        load_tasks(data)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"task_id": "g1", "Question": "Q?", "Final answer": "A", "Level": 1}, ("g1", "Q?", "A")),
        ({"problem": "Q?", "answer": "A", "canary": "x"}, ("1", "Q?", "A")),
        (
            {"id": "h1", "question": "Q?", "answer": "A", "answer_type": "exactMatch"},
            ("h1", "Q?", "A"),
        ),
    ],
    ids=["gaia", "browsecomp", "hle"],
)
def test_known_layouts_are_detected(tmp_path, row, expected):
    task = load_tasks(write_jsonl(tmp_path / "d.jsonl", [row]))[0]
    assert (task.task_id, task.question, task.ground_truth) == expected


def test_csv_with_a_field_mapping(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("qid,prompt,gold,topic\nx1,Q one?,A1,geo\nx2,Q two?,A2,art\n")
    tasks = load_tasks(data, fields=parse_fields("id=qid,question=prompt,answer=gold"))
    assert [(t.task_id, t.question, t.ground_truth, t.metadata) for t in tasks] == [
        ("x1", "Q one?", "A1", {"topic": "geo"}),
        ("x2", "Q two?", "A2", {"topic": "art"}),
    ]


def test_unknown_layout_asks_for_a_field_mapping(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"prompt": "Q?", "gold": "A"}])
    with pytest.raises(InputError, match="pass --fields question=COL,answer=COL"):
        load_tasks(data)


def test_duplicate_task_ids_are_rejected(tmp_path):
    row = {"task_id": "a", "task_question": "Q?", "ground_truth": "A"}
    with pytest.raises(InputError, match="task id 'a' twice"):
        load_tasks(write_jsonl(tmp_path / "d.jsonl", [row, row]))


def test_limit_keeps_the_first_tasks():
    assert [t.task_id for t in load_tasks(DATASET, limit=3)] == ["t01", "t02", "t03"]


@pytest.mark.parametrize("file_name", ["../secret.txt", "ABSOLUTE", "link.txt"])
def test_attachment_outside_the_files_folder_is_refused(tmp_path, file_name):
    files = tmp_path / "files"
    files.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-XYZ")
    (files / "link.txt").symlink_to(secret)
    name = str(secret) if file_name == "ABSOLUTE" else file_name
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"task_id": "a7", "task_question": "Q?", "ground_truth": "A", "file_name": name}
    ])  # fmt: skip
    with pytest.raises(InputError) as raised:
        load_tasks(data, files_dir=files)
    assert str(raised.value) == (
        f"task a7: attached file {name!r} is outside the files folder {files}; "
        "file names must be relative paths inside it"
    )


def test_attachment_in_a_subfolder_is_read(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "memo.txt").write_text("inside")
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"task_id": "a", "task_question": "Q?", "ground_truth": "A", "file_name": "sub/memo.txt"}
    ])  # fmt: skip
    assert load_tasks(data)[0].attachment == "inside"
