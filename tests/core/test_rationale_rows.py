"""Row decisions of the rationales stages: prompted or skipped with a reason, one row per reply."""

from mammoth_assets.core.rationale_rows import program_rows, split_candidates
from mammoth_assets.llm.types import LLMResponse


def candidate(example_id, question, answer, is_coding=False):
    return {"example_id": example_id, "question": question, "answer": answer, "is_coding": is_coding}


def test_only_questions_with_a_checkable_answer_are_prompted():
    prompted, skipped = split_candidates([
        candidate("ok", "3 * 4?", "3 * 4 = 12\n#### 12"),
        candidate("blank", "  ", "#### 1"),
        candidate("code", "Write a loop.", "#### 1", is_coding=True),
        candidate("essay", "Write a haiku about autumn.", "Leaves fall slowly, gold and red on the quiet path where summer once walked"),
    ], "s", skip_coding=True)
    assert [(r["example_id"], r["reference_answer"]) for r in prompted] == [("ok", "12")]
    reasons = {r["example_id"]: r["reason"] for r in skipped}
    assert reasons["blank"] == "empty question" and reasons["code"].startswith("coding task")
    assert reasons["essay"]  # says why there is no checkable value
    assert all(r["status"] == "skipped" and r["program_id"].endswith(":skipped") for r in skipped)
    prompted, _ = split_candidates([candidate("code", "Write a loop.", "#### 1", is_coding=True)], "s", skip_coding=False)
    assert len(prompted) == 1


def test_k_replies_per_question_become_programs_or_reasons():
    prompted = [{"instruction_set": "s", "example_id": "q", "question": "?", "reference_answer": "12"}]
    replies = [
        LLMResponse("r0", "k0", "```python\nprint(3 * 4)\n```", model_id="m"),
        LLMResponse("r1", "k1", "I think it is twelve.", model_id="m"),
        LLMResponse("r2", "k2", None, error="timeout", model_id="m"),
    ]
    rows = program_rows(prompted, replies, k=3)
    assert [r["program_id"] for r in rows] == ["q:pot:0", "q:pot:1", "q:pot:2"]
    assert [r["status"] for r in rows] == ["generated", "no_program", "llm_error"]
    assert rows[0]["program"].strip() == "print(3 * 4)"
    assert rows[1]["reason"] and rows[2]["reason"] == "timeout"
