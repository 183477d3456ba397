from mammoth_assets.core.refinement import (
    DriftThresholds,
    check_refinement,
    final_answer,
    parse_refinement,
)

Q = "A current of 2 A flows through a 4 ohm resistor. What is the voltage across it?"
A = "V = IR = 2 * 4 = 8 V. The answer is 8 V."


def test_parse_refinement():
    assert parse_refinement({"revised_question": " q ", "revised_answer": "a"}) == ("q", "a")
    assert parse_refinement(text='{"revised_question": "q", "revised_answer": "a"}') == ("q", "a")
    assert parse_refinement(text="no json") is None
    assert parse_refinement({"revised_question": 1, "revised_answer": "a"}) is None


def test_final_answer_forms():
    assert final_answer("so \\boxed{\\frac{1}{2}} done") == "\\frac{1}{2}"
    assert final_answer("The answer is x = 7.") == "x = 7"
    assert final_answer("we get 3 then 12") == "12"
    assert final_answer("Because photosynthesis needs light.") is None


def test_good_refinement_with_added_reasoning_is_accepted():
    verdict = check_refinement(
        Q,
        A,
        "A current of 2 A flows through a 4 \\(\\Omega\\) resistor. What is the voltage across it?",
        "By Ohm's law, \\(V = IR\\). With \\(I = 2\\) A and \\(R = 4\\,\\Omega\\): \\(V = 2 \\cdot 4 = 8\\) V.\nThe answer is 8 V.",
    )
    assert verdict.accepted, verdict.reason


def test_drifts_are_rejected_with_reasons():
    assert check_refinement(Q, A, "", "x").reason == "empty_revision"
    changed = check_refinement(Q, A, Q, "V = IR = 2 * 4 = 9 V. The answer is 9 V.")
    assert not changed.accepted and changed.reason.startswith("answer_changed")
    other_question = check_refinement(Q, A, "Name the capital city of France today.", A)
    assert other_question.reason.startswith("question_drift")
    blown = check_refinement(Q, A, Q, A + " filler" * 2000)
    assert blown.reason.startswith("length_blowup")
    prose_q, prose_a = (
        "Why do plants need light?",
        "Plants use light energy for photosynthesis to make glucose.",
    )
    drift = check_refinement(prose_q, prose_a, prose_q, "Cats are mammals that purr.")
    assert drift.reason.startswith("answer_drift")


def test_numbers_reformatted_still_count_as_same_answer():
    verdict = check_refinement(
        "How many grams is 1 kg?",
        "It is 1000 grams",
        "How many grams is 1 kg?",
        "1 kg = 1,000 g, so 1,000.0 grams",
    )
    assert verdict.accepted, verdict.reason


def test_thresholds_are_configurable():
    loose = DriftThresholds(min_question_overlap=0.0, max_question_novelty=1.0)
    assert check_refinement(Q, A, "Something else entirely?", A, loose).accepted


# -- the refined_qa stage's rows ------------------------------------------------------------------
from types import SimpleNamespace

from mammoth_assets.core.decisions import registry
from mammoth_assets.core.refinement import (
    DriftThresholds,
    apply_unrefined_fallback,
    not_sent_row,
    refinement_row,
)

PAIR = {"dump": "D", "pair_id": "qa-1", "doc_id": "d1", "question": "What is 2 + 3?", "answer": "2 + 3 = 5."}


def _response(text=None, ok=True, error=None):
    return SimpleNamespace(ok=ok, error=error, parsed=None, text=text, model_id="m", prompt_tokens=7,
                           completion_tokens=3, cached=False)


def _rows(pair_id: str, refiner: str, kept: bool) -> dict:
    row = not_sent_row({**PAIR, "pair_id": pair_id}, refiner, 0, "x", "v")
    if kept:
        row.update(decision="kept", decision_detail="", final_source="refined", question="Q2?", answer="A2.")
    else:
        row.update(decision="question_drift", decision_detail="question_drift: kept 0.10 of its words")
    return row


def test_an_accepted_refinement_is_kept_with_its_text():
    text = '{"revised_question": "What is 2 + 3?", "revised_answer": "2 + 3 = 5, so the answer is 5."}'
    row = refinement_row(PAIR, "tiny", 0, _response(text), DriftThresholds(), "v")
    assert (row["decision"], row["final_source"], row["question"]) == ("kept", "refined", "What is 2 + 3?")
    assert row["refined_id"].startswith("rf-") and row["prompt_tokens"] == 7


def test_failed_calls_garbage_and_drift_are_dropped_with_declared_reasons():
    failed = refinement_row(PAIR, "tiny", 0, _response(ok=False, error="timeout"), DriftThresholds(), "v")
    garbage = refinement_row(PAIR, "tiny", 0, _response("not json"), DriftThresholds(), "v")
    changed = refinement_row(
        PAIR, "tiny", 0, _response('{"revised_question": "What is 2 + 3?", "revised_answer": "It is 6."}'),
        DriftThresholds(), "v",
    )
    assert [r["decision"] for r in (failed, garbage, changed)] == ["llm_error", "failed_output", "answer_changed"]
    assert failed["decision_detail"] == "timeout" and changed["decision_detail"].startswith("answer_changed:")
    for row in (failed, garbage, changed):
        registry.REFINED_QA.validate(row["decision"])
        assert row["question"] is None and row["final_source"] == ""


def test_fallback_keeps_one_original_row_only_for_pairs_without_an_accepted_refinement():
    rows = [_rows("p1", "mixtral", False), _rows("p1", "qwen", False), _rows("p2", "mixtral", True),
            _rows("p2", "qwen", False)]
    apply_unrefined_fallback(rows)
    p1 = [r for r in rows if r["pair_id"] == "p1"]
    assert [r["decision"] for r in p1] == ["kept", "question_drift"]
    assert p1[0]["question"] == PAIR["question"] and p1[0]["final_source"] == "original"
    assert "question_drift" in p1[0]["decision_detail"]  # the drop that made it a fallback stays visible
    p2 = [r for r in rows if r["pair_id"] == "p2"]
    assert [r["decision"] for r in p2] == ["kept", "question_drift"]  # the accepted refinement suffices


def test_not_sent_rows_are_dropped_with_reason_and_no_tokens():
    row = not_sent_row(PAIR, "tiny", 1, "max_pairs=4 reached", "v")
    assert (row["decision"], row["decision_detail"], row["prompt_tokens"], row["refiner_index"]) == (
        "not_sent", "max_pairs=4 reached", 0, 1)
