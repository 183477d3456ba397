"""Sandbox throughput: N small programs through the sandbox against a bare
`subprocess.run([python, "-c", program])` loop, in the same run, repeated.

    .venv/bin/python benchmarks/sandbox.py                          # 200 programs x 3 repeats, auto
    .venv/bin/python benchmarks/sandbox.py --isolation auto,none --programs 100 --repeats 5

Rows: the bare loop (sequential, no isolation, no limits), the same with the sandbox's interpreter
flags `-I -S` (to separate interpreter start from isolation cost), then per isolation the sandbox on
one worker (same concurrency as the bare loop: the difference is the per-program overhead of the
launcher, bwrap or unshare, Landlock, the supervisor, limits, output capture and answer extraction)
and on all workers. Every row prints min and median over the repeats of wall seconds, programs/s,
wall ms/program and CPU ms/program (all processes involved: this one, its children, and for the
sandbox the launcher's children); answers are checked equal across rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mammoth_assets.core.sandbox import SandboxLimits, resolve_isolation, run_programs  # noqa: E402
from mammoth_assets.core.sandbox.launcher import launcher  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def small_programs(count: int) -> list[str]:
    """GSM8K-sized programs: a few variables, arithmetic, one print."""
    return [
        f"apples = {i}\nboxes = {i % 7 + 1}\nprice = {i % 13 + 0.5}\n"
        f"total = apples * boxes * price\nprint(round(total, 2))\n"
        for i in range(count)
    ]


def _own_cpu() -> float:
    self_, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_.ru_utime + self_.ru_stime + children.ru_utime + children.ru_stime


def _launcher_cpu() -> float:
    """CPU seconds of the (detached) launcher and every process it has reaped."""
    with open(f"/proc/{launcher().pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS  # utime stime cutime cstime


def bare_loop(programs: list[str], flags: tuple[str, ...] = ()) -> tuple[float, float, list[str]]:
    cpu, started = _own_cpu(), time.perf_counter()
    answers = []
    for program in programs:
        completed = subprocess.run([sys.executable, *flags, "-c", program], capture_output=True, text=True, timeout=30)
        answers.append(completed.stdout.strip().splitlines()[-1])
    return time.perf_counter() - started, _own_cpu() - cpu, answers


def sandboxed(programs: list[str], workers: int, isolation: str) -> tuple[float, float, list[str]]:
    limits = SandboxLimits(timeout_s=30.0, isolation=isolation)
    cpu, launched, started = _own_cpu(), _launcher_cpu(), time.perf_counter()
    results = run_programs(programs, workers=workers, limits=limits)
    elapsed = time.perf_counter() - started
    time.sleep(1.0)  # bwrap's init outlives bwrap briefly; the launcher (a subreaper) reaps and counts it
    cpu = _own_cpu() - cpu + _launcher_cpu() - launched
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} programs failed in the sandbox, e.g. {failed[0].reason}: {failed[0].stderr[-300:]}")
    return elapsed, cpu, [r.answer for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--isolation", default="auto", help="comma-separated: auto, bwrap, unshare, none")
    args = parser.parse_args()
    isolations = [resolve_isolation(name) for name in args.isolation.split(",")]
    programs = small_programs(args.programs)
    for isolation in isolations:  # warm the launcher and the probes
        run_programs(programs[:4], workers=2, limits=SandboxLimits(isolation=isolation.mode))

    rows: dict[str, list[tuple[float, float]]] = {}
    reference: list[str] | None = None
    for _ in range(args.repeats):
        measured = {
            "bare subprocess.run loop (1 at a time)": bare_loop(programs),
            "bare loop, python -I -S (the sandbox's flags)": bare_loop(programs, ("-I", "-S")),
        }
        for isolation in isolations:
            name = isolation.summary()
            measured[f"sandbox [{name}], 1 worker"] = sandboxed(programs, 1, isolation.mode)
            measured[f"sandbox [{name}], {args.workers} workers"] = sandboxed(programs, args.workers, isolation.mode)
        for label, (seconds, cpu, answers) in measured.items():
            reference = reference or answers
            assert answers == reference, f"answers differ in {label}"
            rows.setdefault(label, []).append((seconds, cpu))

    n = len(programs)
    print(f"{n} programs x {args.repeats} repeats on {os.cpu_count()} cores (answers identical in every row); "
          "min / median over repeats")
    print(f"{'':64s} {'prog/s med,best':>16s} {'wall ms min,med':>16s} {'CPU ms min,med':>16s}")
    for label, runs in rows.items():
        walls, cpus = [s for s, _ in runs], [c for _, c in runs]
        rate = f"{n / statistics.median(walls):.1f}, {n / min(walls):.1f}"
        wall = f"{1000 * min(walls) / n:.1f}, {1000 * statistics.median(walls) / n:.1f}"
        cpu = f"{1000 * min(cpus) / n:.1f}, {1000 * statistics.median(cpus) / n:.1f}"
        print(f"{label:64s} {rate:>16s} {wall:>16s} {cpu:>16s}")
    lean = rows["bare loop, python -I -S (the sandbox's flags)"]
    for isolation in isolations:
        one = rows[f"sandbox [{isolation.summary()}], 1 worker"]
        wall = [1000 * (a[0] - b[0]) / n for a, b in zip(one, lean)]  # paired per repeat
        cpu = [1000 * (a[1] - b[1]) / n for a, b in zip(one, lean)]
        print(f"per-program isolation overhead [{isolation.mode}] vs bare `python -I -S -c`, min / median: "
              f"wall {min(wall):+.1f} / {statistics.median(wall):+.1f} ms, "
              f"CPU {min(cpu):+.1f} / {statistics.median(cpu):+.1f} ms")


if __name__ == "__main__":
    main()
