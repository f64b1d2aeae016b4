"""Evaluation: benchmarks, judges, resumable batches and the interaction-scaling curve.

```python
from mirograph.eval import load_tasks, run_eval
report = run_eval(load_tasks("gaia.jsonl"), out_dir="runs/gaia", settings=ResearchContext(
    model="openai:gpt-4.1"), judge_model=judge, concurrency=8, scaling=[8, 16, 32])
print(report.summary["accuracy"])
```
"""

from mirograph.eval.data import FieldMap, Task, load_tasks, parse_fields
from mirograph.eval.export import export_thread
from mirograph.eval.judges import Judge, Verdict, exact_match, normalize
from mirograph.eval.results import EvalReport, pass_at_k, print_summary, summarize
from mirograph.eval.runner import arun_eval, run_eval, thread_id_for
from mirograph.eval.scaling import fork_point, scaling_curve

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
