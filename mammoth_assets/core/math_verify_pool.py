"""math-verify in persistent worker processes, with our own time limit.

math-verify's `signal.alarm` timeouts only work in the main thread, so they are disabled and the
limit is enforced from outside: parse and verify run in a worker process
(`python -m mammoth_assets.core.math_verify_pool --serve`, JSON lines) that is killed and replaced
when it overruns `timeout_s` (sympy can hang). `verify_latex` is the one entry point; the answer
parsing that decides *whether* to ask math-verify lives in `core/answers.py`.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import selectors
import subprocess
import sys
import threading
import time
from typing import Any

_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _MathVerifyWorker:
    """One `python -m mammoth_assets.core.math_verify_pool --serve` process speaking JSON lines.

    Parse and verify run there with math-verify's signal timeouts disabled; the parent waits at
    most `timeout_s` for the answer and kills the worker when it overruns (sympy can hang)."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
        # importable from a plain checkout too, not only from an installed package
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mammoth_assets.core.math_verify_pool", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._buffer = b""

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout_s
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError(f"math-verify took longer than {timeout_s:g} s")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise RuntimeError("math-verify worker exited")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()


class _WorkerPool:
    """Idle workers, handed out one per concurrent caller (thread-safe)."""

    # A cold worker imports sympy + math-verify (about 1-2 s); the first call may wait for that.
    startup_s = 30.0

    def __init__(self) -> None:
        self._idle: list[_MathVerifyWorker] = []
        self._lock = threading.Lock()
        atexit.register(self.close)

    def call(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        fresh = worker is None or not worker.alive()
        if fresh:
            worker = _MathVerifyWorker()
            worker.ask({"ping": True}, self.startup_s)
        assert worker is not None
        try:
            answer = worker.ask(request, timeout_s)
        except BaseException:
            worker.kill()
            raise
        with self._lock:
            self._idle.append(worker)
        return answer

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()


_POOL = _WorkerPool()


def verify_latex(predicted: str, reference: str, *, float_rounding: int, strict: bool,
                 allow_set_relation_comp: bool, timeout_s: float) -> dict[str, Any]:
    request = {
        "gold": reference,
        "pred": predicted,
        "float_rounding": float_rounding,
        "strict": strict,
        "allow_set_relation_comp": allow_set_relation_comp,
    }
    try:
        return _POOL.call(request, timeout_s)
    except TimeoutError as error:
        return {"match": False, "error": f"timeout: {error}"}
    except (RuntimeError, OSError, ValueError) as error:
        return {"match": False, "error": f"math-verify worker failed: {error}"}


_DOUBLED_COMMAND = re.compile(r"(?<!\\)\\\\(?=[A-Za-z])")
_NUMBERS_AND_COMMAS = re.compile(r"^[\d\s.,+-]+$")
_MATH_DELIMITED = re.compile(r"\$|\\\(|\\\[|\\boxed|\\begin")
_LATEX_COMMAND_OR_TEXT = re.compile(r"\\(?:text|mbox|mathrm|textbf)\s*\{[^{}]*\}|\\[A-Za-z]+")


def _is_bare_answer(text: str) -> bool:
    """A final answer on its own (`\\frac34i`, `(x-2)(x+2)`), not a sentence or a delimited text."""
    if _MATH_DELIMITED.search(text) or "\n" in text.strip() or _NUMBERS_AND_COMMAS.match(text):
        return False
    return not re.search(r"[A-Za-z]{3,}", _LATEX_COMMAND_OR_TEXT.sub(" ", text))


def _serve() -> None:
    """Worker loop: one JSON request per line on stdin, one JSON answer per line on the protocol
    fd. Anything sympy or math-verify prints goes to stderr instead of corrupting the protocol."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    config = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    latex_only = [LatexExtractionConfig(boxed_match_priority=0)]

    def parse_answer(text: str) -> list:
        text = _DOUBLED_COMMAND.sub(r"\\", text)
        if _is_bare_answer(text):  # "\\frac34i": parse the whole as one formula
            parsed = parse(f"${text}$", latex_only, parsing_timeout=None)
            if parsed:
                return parsed
        return parse(text, config, parsing_timeout=None)

    for line in sys.stdin:
        request = json.loads(line)
        if request.get("ping"):
            protocol.write('{"pong": true}\n')
            continue
        try:
            gold = parse_answer(request["gold"])
            pred = parse_answer(request["pred"])
            answer: dict[str, Any] = {
                "gold": str(gold[0]) if gold else None,
                "pred": str(pred[0]) if pred else None,
            }
            if not gold:
                answer.update(match=False, error="reference not parsable by math-verify")
            elif not pred:
                answer.update(match=False, error="prediction not parsable by math-verify")
            else:
                answer["match"] = bool(
                    verify(
                        gold,
                        pred,
                        float_rounding=request["float_rounding"],
                        strict=request["strict"],
                        allow_set_relation_comp=request["allow_set_relation_comp"],
                        timeout_seconds=None,
                    )
                )
        except Exception as error:  # noqa: BLE001 - reported to the caller as the reason
            answer = {"match": False, "error": f"math-verify error: {type(error).__name__}: {error}"}
        protocol.write(json.dumps(answer) + "\n")


if __name__ == "__main__" and "--serve" in sys.argv:
    _serve()
