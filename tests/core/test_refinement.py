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
