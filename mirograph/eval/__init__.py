"""Evaluation: benchmarks, judges, resumable batches and the interaction-scaling curve.

```python
from mirograph.eval import load_tasks, run_eval
report = run_eval(load_tasks("gaia.jsonl"), out_dir="runs/gaia", settings=ResearchContext(
    model="openai:gpt-4.1"), judge_model=judge, concurrency=8, scaling=[8, 16, 32])
report.summary["accuracy"]  # {"avg": 0.8, "std": 0.02, "per_run": [...], "metric": "avg@3"}
```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "FieldMap": "data",
    "Task": "data",
    "load_tasks": "data",
    "parse_fields": "data",
    "export_thread": "export",
    "Judge": "judges",
    "Verdict": "judges",
    "exact_match": "judges",
    "normalize": "judges",
    "EvalReport": "results",
    "pass_at_k": "results",
    "print_summary": "results",
    "summarize": "results",
    "arun_eval": "runner",
    "run_eval": "runner",
    "thread_id_for": "unit",
    "fork_point": "scaling",
    "scaling_curve": "scaling",
}

if TYPE_CHECKING:
    from mirograph.eval.data import FieldMap, Task, load_tasks, parse_fields
    from mirograph.eval.export import export_thread
    from mirograph.eval.judges import Judge, Verdict, exact_match, normalize
    from mirograph.eval.results import EvalReport, pass_at_k, print_summary, summarize
    from mirograph.eval.runner import arun_eval, run_eval
    from mirograph.eval.scaling import fork_point, scaling_curve
    from mirograph.eval.unit import thread_id_for

__all__ = [
    "EvalReport",
    "FieldMap",
    "Judge",
    "Task",
    "Verdict",
    "arun_eval",
    "exact_match",
    "export_thread",
    "fork_point",
    "load_tasks",
    "normalize",
    "parse_fields",
    "pass_at_k",
    "print_summary",
    "run_eval",
    "scaling_curve",
    "summarize",
    "thread_id_for",
]


def __getattr__(name: str) -> Any:
    """Import on first use: the CLI loads `mirograph.eval.cli` without the eval stack."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mirograph.eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mirograph.eval.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
