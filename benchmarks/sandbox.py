"""Sandbox throughput: N small programs through `run_programs` against a bare
`subprocess.run([python, "-c", program])` loop, in the same run.

    .venv/bin/python benchmarks/sandbox.py            # 1000 programs
    .venv/bin/python benchmarks/sandbox.py --programs 200 --workers 2

Prints programs/s for the bare loop (sequential, no isolation, no limits; also with the sandbox's
interpreter flags `-I -S`, to separate isolation cost from interpreter start), the sandbox on one worker
(same concurrency as the bare loop: the difference is the per-program overhead of isolation, limits,
output capture and answer extraction), and the sandbox on all cores; answers are checked equal.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mammoth_assets.core.sandbox import SandboxLimits, available_isolation, run_programs  # noqa: E402


def small_programs(count: int) -> list[str]:
    """GSM8K-sized programs: a few variables, arithmetic, one print."""
    return [
        f"apples = {i}\nboxes = {i % 7 + 1}\nprice = {i % 13 + 0.5}\n"
        f"total = apples * boxes * price\nprint(round(total, 2))\n"
        for i in range(count)
    ]


def bare_loop(programs: list[str], flags: tuple[str, ...] = ()) -> tuple[float, list[str]]:
    started = time.perf_counter()
    answers = []
    for program in programs:
        completed = subprocess.run([sys.executable, *flags, "-c", program], capture_output=True, text=True, timeout=30)
        answers.append(completed.stdout.strip().splitlines()[-1])
    return time.perf_counter() - started, answers


def sandboxed(programs: list[str], workers: int, isolation: str) -> tuple[float, list[str]]:
    limits = SandboxLimits(timeout_s=10.0, isolation=isolation)
    started = time.perf_counter()
    results = run_programs(programs, workers=workers, limits=limits)
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} programs failed in the sandbox, e.g. {failed[0].reason}: {failed[0].stderr[-300:]}")
    return elapsed, [r.answer for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--isolation", default="auto", help="auto | bwrap | unshare | none")
    args = parser.parse_args()
    isolation = available_isolation(args.isolation)
    programs = small_programs(args.programs)
    run_programs(programs[:4], workers=2, limits=SandboxLimits(isolation=isolation))  # warm caches

    bare_s, bare_answers = bare_loop(programs)
    lean_s, lean_answers = bare_loop(programs, ("-I", "-S"))
    one_s, one_answers = sandboxed(programs, 1, isolation)
    many_s, many_answers = sandboxed(programs, args.workers, isolation)
    assert bare_answers == lean_answers == one_answers == many_answers, "answers differ"

    n = len(programs)
    rows = [
        ("bare subprocess.run loop (1 at a time)", bare_s),
        ("bare loop, python -I -S (the sandbox's flags)", lean_s),
        (f"sandbox [{isolation}], 1 worker", one_s),
        (f"sandbox [{isolation}], {args.workers} workers", many_s),
    ]
    print(f"{n} programs on {os.cpu_count()} cores (answers identical in every row)")
    print(f"{'':48s} {'seconds':>9s} {'programs/s':>11s} {'ms/program':>11s}")
    for label, seconds in rows:
        print(f"{label:48s} {seconds:9.2f} {n / seconds:11.1f} {1000 * seconds / n:11.1f}")
    print(f"per-program sandbox overhead vs bare `python -c`: {1000 * (one_s - bare_s) / n:+.1f} ms")
    print(f"per-program isolation overhead vs bare `python -I -S -c`: {1000 * (one_s - lean_s) / n:+.1f} ms")
    print(f"sandbox on {args.workers} workers vs bare loop: {bare_s / many_s:.2f}x throughput")


if __name__ == "__main__":
    main()
