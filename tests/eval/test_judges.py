"""Grading: normalized exact match first, then the judge model, cached per answer."""

from __future__ import annotations

import pytest

from mirograph.checkpoints import MirographSaver
from mirograph.checkpoints._schema import connect
from mirograph.eval import Judge, Task, exact_match, normalize
from mirograph.eval.judges import load_judge_prompt
from mirograph.eval.store import EvalStore
from mirograph.testing import ScriptedChatModel

TASK = Task(task_id="t1", question="Highest peak of Tessaly?", ground_truth="Mount Quorra")


@pytest.mark.parametrize(
    ("answer", "truth"),
    [
        ("The 1,024 Cats.", "1024 cats"),
        ("\\boxed{Quellport}", "quellport"),
        ("3.50", "3.5"),
        ("  Ilse  MARROW ", "Ilse Marrow"),
    ],
)
def test_exact_match_accepts_formatting_differences(answer, truth):
    assert exact_match(answer, truth)


def test_exact_match_rejects_a_different_answer():
    assert not exact_match("Hanna Brisk", "Jonas Brisk")


def test_normalize_keeps_decimal_points_only_inside_numbers():
    assert normalize("It is 3.5 km. Really!") == "it is 3.5 km really"


async def test_exact_match_never_calls_the_judge_model():
    model = ScriptedChatModel(keep_inputs=True, responses=[])
    verdict = await Judge(model).agrade(TASK, "mount quorra")
    assert (verdict.correct, verdict.method, model.inputs) == (True, "exact", [])


async def test_judge_model_decides_what_exact_match_cannot():
    model = ScriptedChatModel(
        keep_inputs=True, responses=[{"reasoning": "same peak", "verdict": "correct"}]
    )
    verdict = await Judge(model).agrade(TASK, "Quorra Summit (Mount Quorra)")
    assert (verdict.correct, verdict.method, verdict.detail) == (True, "llm", "same peak")
    prompt = model.inputs[0][0].content
    assert "[reference answer]: Mount Quorra" in prompt
    assert "[agent answer]: Quorra Summit (Mount Quorra)" in prompt


async def test_verdicts_are_cached_per_task_and_answer(tmp_path):
    store = EvalStore(MirographSaver(connect(tmp_path / "eval.sqlite")))
    model = ScriptedChatModel(
        keep_inputs=True, policy=lambda m: {"reasoning": "r", "verdict": "incorrect"}
    )
    judge = Judge(model, cache=store)
    first = await judge.agrade(TASK, "Mount Orla")
    second = await judge.agrade(TASK, "Mount Orla")
    assert second == first
    assert len(model.inputs) == 1


async def test_hle_judge_uses_the_official_extraction_schema():
    model = ScriptedChatModel(
        keep_inputs=True,
        responses=[
            {"extracted_final_answer": "Mount Quorra", "reasoning": "match", "correct": "yes",
             "confidence": 90}
        ]
    )  # fmt: skip
    verdict = await Judge(model, kind="hle").agrade(TASK, "I think Mount Quorra (90%)")
    assert (verdict.correct, verdict.method) == (True, "llm")
    assert "[correct_answer]: Mount Quorra" in model.inputs[0][0].content


async def test_browsecomp_judge_grades_a_or_b():
    model = ScriptedChatModel(
        keep_inputs=True, responses=[{"reasoning": "contradicts", "grade": "B"}]
    )
    verdict = await Judge(model, kind="browsecomp").agrade(TASK, "Mount Orla")
    assert (verdict.correct, verdict.method) == (False, "llm")
    assert "Gold target: Mount Quorra" in model.inputs[0][0].content


async def test_a_failing_judge_is_recorded_not_cached(tmp_path):
    store = EvalStore(MirographSaver(connect(tmp_path / "eval.sqlite")))
    model = ScriptedChatModel(keep_inputs=True, responses=[])  # exhausted at the first call
    verdict = await Judge(model, cache=store).agrade(TASK, "Mount Orla")
    assert (verdict.correct, verdict.method) == (False, "error")
    assert store.get_verdict(("t1", "Mount Quorra", "Mount Orla", "equivalence")) is None


@pytest.mark.parametrize("kind", ["equivalence", "hle", "browsecomp"])
def test_judge_prompts_are_package_data_with_the_three_fields(kind):
    text = load_judge_prompt(kind)
    assert all(f"{{{name}}}" in text for name in ("question", "ground_truth", "answer"))
