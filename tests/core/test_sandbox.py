"""Sandboxed program execution: answers, statuses, limits, parallel order, isolation modes."""

from __future__ import annotations

import shutil

import pytest

from mammoth_assets.core.sandbox import (
    SandboxLimits,
    available_isolation,
    run_program,
    run_programs,
)

FAST = SandboxLimits(timeout_s=3.0)


def test_answer_is_the_last_printed_line() -> None:
    result = run_program("print('thinking')\nprint(6 * 7)\nprint()\n", FAST)
    assert result.status == "ok" and result.exit_code == 0
    assert result.answer == "42" and result.answer_source == "stdout"
    assert result.stdout.splitlines()[:2] == ["thinking", "42"]


@pytest.mark.parametrize("name", ["ans", "answer", "result"])
def test_answer_variable_when_nothing_is_printed(name: str) -> None:
    result = run_program(f"x = 40\n{name} = x + 2\n", FAST)
    assert result.status == "ok"
    assert result.answer == "42" and result.answer_source == "variable"
    assert "mammoth-answer" not in result.stderr


def test_printed_output_wins_over_the_variable() -> None:
    result = run_program("ans = 1\nprint(2)\n", FAST)
    assert result.answer == "2" and result.answer_source == "stdout"


def test_program_that_prints_nothing_and_sets_nothing_has_no_answer() -> None:
    result = run_program("x = 1\n", FAST)
    assert result.status == "ok" and result.answer is None and result.answer_source is None


def test_exception_is_an_error_with_its_last_line_as_reason() -> None:
    result = run_program("print('partial')\nraise ValueError('bad input')\n", FAST)
    assert result.status == "error" and result.exit_code == 1
    assert result.reason == "ValueError: bad input"
    assert result.answer is None  # no answer from a failed program, even though it printed


def test_syntax_error_is_an_error() -> None:
    result = run_program("def broken(:\n", FAST)
    assert result.status == "error" and "SyntaxError" in result.reason


def test_sys_exit_status_is_reported() -> None:
    assert run_program("import sys\nsys.exit(3)\n", FAST).exit_code == 3
    assert run_program("import sys\nprint(5)\nsys.exit(0)\n", FAST).answer == "5"


def test_stdin_is_closed_and_the_program_text_is_not_readable_from_it() -> None:
    result = run_program("import sys\nprint(repr(sys.stdin.read()))\n", FAST)
    assert result.status == "ok" and result.answer == "''"


def test_working_dir_is_empty_and_writable() -> None:
    program = "import os\nprint(os.listdir('.'))\nopen('notes.txt', 'w').write('x')\nprint(os.listdir('.'))\n"
    result = run_program(program, FAST)
    assert result.status == "ok", result.stderr
    assert result.stdout.splitlines() == ["[]", "['notes.txt']"]


def test_environment_is_minimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    result = run_program("import os\nprint(sorted(os.environ))\n", FAST)
    assert "AWS_SECRET_ACCESS_KEY" not in result.stdout
    assert "do-not-leak" not in result.stdout + result.stderr


def test_scientific_libraries_are_importable() -> None:
    program = "import math, fractions, sympy\nx = sympy.symbols('x')\nprint(sympy.solve(x**2 - 4, x))\n"
    result = run_program(program, SandboxLimits(timeout_s=20))
    assert result.status == "ok", result.stderr
    assert result.answer == "[-2, 2]"


def test_unicode_output() -> None:
    assert run_program("print('π ≈ 3.14')\n", FAST).answer == "π ≈ 3.14"


def test_large_program_text_is_delivered_whole() -> None:
    program = "values = [\n" + "".join(f"    {i},\n" for i in range(50_000)) + "]\nprint(sum(values))\n"
    assert len(program) > 200_000
    result = run_program(program, FAST)
    assert result.answer == str(sum(range(50_000)))


def test_run_programs_keeps_input_order_in_parallel() -> None:
    programs = [f"import time\ntime.sleep({0.3 if i % 2 else 0})\nprint({i})\n" for i in range(8)]
    results = run_programs(programs, workers=4, limits=FAST)
    assert [r.answer for r in results] == [str(i) for i in range(8)]


def test_cpu_time_limit() -> None:
    result = run_program("while True:\n    pass\n", SandboxLimits(timeout_s=10, cpu_s=1))
    assert result.status == "timeout" and "CPU time" in result.reason
    assert result.duration_s < 8


def test_file_size_limit() -> None:
    program = "open('big.bin', 'wb').write(b'x' * (3 << 20))\n"
    result = run_program(program, SandboxLimits(timeout_s=5, max_file_mb=1))
    assert result.status == "error" and "File too large" in result.reason


def test_limits_are_described() -> None:
    described = SandboxLimits(timeout_s=2.5).describe()
    assert described["timeout_s"] == 2.5 and described["cpu_s"] == 4


def test_unknown_isolation_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown isolation"):
        available_isolation("chroot")


@pytest.mark.parametrize("isolation", ["bwrap", "unshare", "none"])
def test_every_isolation_mode_runs_programs(isolation: str) -> None:
    if isolation != "none" and shutil.which(isolation) is None:
        pytest.skip(f"{isolation} is not installed")
    try:
        available_isolation(isolation)
    except RuntimeError as error:
        pytest.skip(str(error))
    limits = SandboxLimits(timeout_s=5, isolation=isolation)
    ok, failed = run_programs(["print(sum(range(10)))\n", "1/0\n"], workers=2, limits=limits)
    assert ok.status == "ok" and ok.answer == "45" and ok.isolation == isolation
    assert failed.status == "error" and "ZeroDivisionError" in failed.reason


def test_auto_isolation_uses_namespaces_when_available() -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed (apt-get install bubblewrap)")
    assert available_isolation("auto") == "bwrap"
