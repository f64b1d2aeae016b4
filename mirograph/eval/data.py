"""Benchmark tasks: loading JSONL/JSON/CSV datasets into one `Task` shape.

MiroThinker's standardized format (`task_id`, `task_question`, `ground_truth`,
`file_name`) is the native one; GAIA (`Question` / `Final answer`), BrowseComp
(`problem` / `answer`) and HLE (`id` / `question` / `answer`) layouts are recognised from
their keys, and any other layout is read with an explicit field mapping. Attached files
(`file_name`) become part of the question the run sees, with their text extracted when
mirograph can read the file type, because the research graph's input is the question.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mirograph.errors import InputError

DataFormat = Literal["auto", "standard", "gaia", "browsecomp", "hle"]
ATTACHMENT_CHARS = 50_000
"""Attachment text past this many characters is cut, with a marker, to protect the window."""


@dataclass(frozen=True)
class FieldMap:
    """Which column holds each part of a task (empty: the dataset has no such column)."""

    id: str
    question: str
    answer: str
    file: str = ""


PRESETS: dict[str, FieldMap] = {
    "standard": FieldMap("task_id", "task_question", "ground_truth", "file_name"),
    "gaia": FieldMap("task_id", "Question", "Final answer", "file_name"),
    "browsecomp": FieldMap("", "problem", "answer"),
    "hle": FieldMap("id", "question", "answer"),
}


@dataclass(frozen=True)
class Task:
    """One benchmark question, with the text the research run is started with."""

    task_id: str
    question: str
    ground_truth: str
    file_name: str = ""
    attachment: str = ""
    """The attached file's extracted text (or a note that it could not be read)."""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The question as the agent sees it: the task, then the attachment if any."""
        if not self.file_name:
            return self.question
        return f"{self.question}\n\nAttached file `{self.file_name}`:\n```\n{self.attachment}\n```"


def parse_fields(spec: str) -> FieldMap:
    """`question=Q,answer=A[,id=ID][,file=F]` (the `--fields` option) to a `FieldMap`."""
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in ("id", "question", "answer", "file"):
            raise InputError(
                f"bad field mapping {part!r}: use question=COL,answer=COL[,id=COL][,file=COL]"
            )
        pairs[key.strip()] = value.strip()
    if "question" not in pairs or "answer" not in pairs:
        raise InputError("a field mapping needs at least question=COL and answer=COL")
    return FieldMap(pairs.get("id", ""), pairs["question"], pairs["answer"], pairs.get("file", ""))


def detect_format(row: Mapping[str, Any]) -> str:
    """The preset whose question and answer columns the row has."""
    for name in ("standard", "gaia", "browsecomp", "hle"):
        preset = PRESETS[name]
        if preset.question in row and preset.answer in row:
            return name
    raise InputError(
        f"cannot tell the dataset layout from its columns ({', '.join(sorted(row))}); "
        "pass --fields question=COL,answer=COL"
    )


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a `.jsonl`, `.json` (a list) or `.csv` file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read dataset {path}: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(csv.DictReader(text.splitlines()))
    try:
        if suffix == ".json":
            rows = json.loads(text)
            if not isinstance(rows, list):
                raise InputError(f"dataset {path} must hold a JSON list of tasks")
            return rows
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise InputError(f"dataset {path} is not valid JSON/JSONL: {exc}") from None


def load_tasks(
    path: str | Path,
    *,
    data_format: DataFormat = "auto",
    fields: FieldMap | None = None,
    files_dir: str | Path | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Read a dataset; attachments resolve against `files_dir` (default: the data's folder).

    Raises `InputError` for an unreadable file, unknown layout, missing column, duplicate
    task id or missing attachment, before any research starts.
    """
    path = Path(path)
    rows = read_rows(path)
    if not rows:
        raise InputError(f"dataset {path} holds no tasks")
    if limit is not None:
        rows = rows[:limit]
    mapping = fields or PRESETS[detect_format(rows[0]) if data_format == "auto" else data_format]
    base = Path(files_dir) if files_dir else path.parent
    tasks: list[Task] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, 1):
        tasks.append(_task(row, number, mapping, base, path))
        if tasks[-1].task_id in seen:
            raise InputError(f"dataset {path} has task id {tasks[-1].task_id!r} twice")
        seen.add(tasks[-1].task_id)
    return tasks


def _task(row: Mapping[str, Any], number: int, mapping: FieldMap, base: Path, path: Path) -> Task:
    for column in (mapping.question, mapping.answer):
        if column not in row:
            raise InputError(f"task {number} of {path} has no {column!r} field")
    task_id = (str(row.get(mapping.id) or "") if mapping.id else "") or str(number)
    file_name = str(row.get(mapping.file) or "") if mapping.file else ""
    used = {mapping.id, mapping.question, mapping.answer, mapping.file}
    attachment = read_attachment(confined(base, file_name, task_id)) if file_name else ""
    return Task(
        task_id=task_id,
        question=str(row[mapping.question]).strip(),
        ground_truth=str(row[mapping.answer]).strip(),
        file_name=file_name,
        attachment=attachment,
        metadata={k: v for k, v in row.items() if k not in used},
    )


def confined(base: Path, file_name: str, task_id: str) -> Path:
    """`base / file_name`, refused unless it stays inside `base` (no `..`, absolute path or
    symlink out): a dataset must not read arbitrary local files into a prompt."""
    relative = Path(file_name)
    outside = InputError(
        f"task {task_id}: attached file {file_name!r} is outside the files folder {base}; "
        "file names must be relative paths inside it"
    )
    if relative.is_absolute() or ".." in relative.parts or "\x00" in file_name:
        raise outside
    path = base / relative
    try:
        inside = path.resolve().is_relative_to(base.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if not inside:
        raise outside
    return path


def read_attachment(path: Path) -> str:
    """The file's text (cut at `ATTACHMENT_CHARS`), or a note when it has none we can read."""
    from mirograph.tools.corpus import extract_document, supported_suffixes

    if not path.is_file():
        raise InputError(f"attached file {path} does not exist (pass --files DIR)")
    suffix = path.suffix.lower()
    if suffix in supported_suffixes():
        text = extract_document(path)[1]
    elif suffix in (".csv", ".tsv", ".json", ".jsonl", ".xml", ".yaml", ".yml", ".py"):
        text = path.read_text(encoding="utf-8", errors="replace")
    else:
        return f"(binary file {path.name}, {path.stat().st_size} bytes; no text extracted)"
    if len(text) > ATTACHMENT_CHARS:
        text = text[:ATTACHMENT_CHARS] + f"\n[… attachment truncated at {ATTACHMENT_CHARS} chars]"
    return text
