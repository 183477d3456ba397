"""MAmmoTH hybrid decoding: a program that runs and prints an answer answers its item; every other
item (no program, a crash, silent output) falls back to chain-of-thought."""

from mammoth_assets.core.hybrid_decoding import answered_by_program, cot_fallback, pot_attempts


def test_only_programs_that_ran_and_printed_an_answer_answer_their_item():
    programs = ["print(12)", None, "1/0", "x = 1"]
    completions = ["```python\nprint(12)\n```", "I think 12", "```python\n1/0\n```", "```python\nx = 1\n```"]
    errors = [None, None, None, None]
    executed = {
        0: {"status": "ok", "ok": True, "stdout": "12\n", "error": None},
        2: {"status": "error", "ok": False, "stdout": "", "error": "ZeroDivisionError"},
        3: {"status": "ok", "ok": True, "stdout": "  \n", "error": None},  # ran, printed nothing
    }
    attempts = pot_attempts(programs, completions, errors, executed)
    assert attempts[1]["status"] == "no_program" and attempts[1]["program"] is None
    assert attempts[0]["program"] == "print(12)" and attempts[0]["completion"].startswith("```python")
    answered = answered_by_program(attempts)
    assert answered == [0]
    assert cot_fallback(["a", "b", "c", "d"], answered) == ["b", "c", "d"]


def test_a_failed_llm_call_keeps_its_error_and_falls_back():
    attempts = pot_attempts([None], [None], ["timeout"], {})
    assert attempts[0]["error"] == "timeout" and answered_by_program(attempts) == []
    assert cot_fallback(["q"], []) == ["q"]
