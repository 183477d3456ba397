"""The math-verify worker pool: workers start from a plain checkout, and our time limit holds."""

from __future__ import annotations

import pytest

from mammoth_assets.core import math_verify_pool


def test_worker_starts_from_a_plain_checkout(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The math-verify worker finds the package by path, not only through the installed copy."""
    monkeypatch.chdir(tmp_path)
    worker = math_verify_pool._MathVerifyWorker()
    try:
        assert worker.ask({"ping": True}, 60) == {"pong": True}
    finally:
        worker.kill()


def test_verify_latex_answers_and_survives_a_timeout() -> None:
    options = dict(float_rounding=6, strict=True, allow_set_relation_comp=False)
    assert math_verify_pool.verify_latex("$\\frac{1}{2}$", "$0.5$", timeout_s=30, **options)["match"]
    hard = "$\\int_0^{\\infty} e^{-x^{2}} \\sin(x)^{40} \\cos(3x)^{37} dx$"
    slow = math_verify_pool.verify_latex(hard, hard + "+1", timeout_s=0.001, **options)
    assert not slow["match"] and slow["error"].startswith("timeout")
    assert math_verify_pool.verify_latex("$x^2$", "$x^{2}$", timeout_s=30, **options)["match"]
