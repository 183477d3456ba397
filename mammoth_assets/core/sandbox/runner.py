"""Run programs: pick (and probe) the isolation once, then one bootstrap per program, started by
the clean launcher, its output read here with bounded buffers and a wall-clock deadline."""

from __future__ import annotations

import logging
import os
import queue
import selectors
import shutil
import signal
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

from mammoth_assets.core.sandbox import _inside
from mammoth_assets.core.sandbox.command import command, minimal_env, program_workdir
from mammoth_assets.core.sandbox.isolation import (
    Isolation,
    SandboxUnavailable,
    bwrap_candidates,
    candidate,
    landlock_abi,
    refusal,
    unshare_path,
    validate_request,
)
from mammoth_assets.core.sandbox.launcher import LauncherDied, launcher
from mammoth_assets.core.sandbox.limits import ExecutionResult, SandboxLimits

log = logging.getLogger(__name__)
PROBE_PROGRAM = "print(6 * 7)\n"
PROBE_LIMITS = SandboxLimits(timeout_s=30.0)
_EXIT_GRACE_S = 10.0  # after the pipes closed or a kill: how long the launcher may take to report


# -- choosing the isolation ----------------------------------------------------------------------
_resolved: dict[str, Isolation | SandboxUnavailable] = {}
_resolve_lock = threading.Lock()


def resolve_isolation(requested: str = "auto") -> Isolation:
    """The isolation a request gets here, probed once per process by running a real program.
    Raises SandboxUnavailable (with the fix) rather than silently running weaker."""
    validate_request(requested)
    with _resolve_lock:
        if requested not in _resolved:
            try:
                _resolved[requested] = _choose(requested)
            except SandboxUnavailable as error:
                _resolved[requested] = error
        outcome = _resolved[requested]
    if isinstance(outcome, SandboxUnavailable):
        raise outcome
    return outcome


def available_isolation(requested: str = "auto") -> str:
    """The isolation mode a request runs under (bwrap, unshare or none); see resolve_isolation."""
    return resolve_isolation(requested).mode


def probe(isolation: Isolation) -> str | None:
    """None if a known-good program runs and answers under `isolation`, else why not."""
    result = execute(PROBE_PROGRAM, PROBE_LIMITS, isolation)
    if result.status == "ok" and result.answer == "42":
        return None
    return result.reason or (result.stderr.strip().splitlines() or [f"status {result.status}"])[-1]


def _choose(requested: str) -> Isolation:
    failures: list[str] = []
    if requested in ("auto", "bwrap"):
        for path, source in bwrap_candidates():
            isolation = candidate("bwrap", requested, bwrap=(path, source), notes=tuple(failures))
            why = probe(isolation)
            if why is None:
                return isolation
            failures.append(f"bwrap {path} ({source}): {why}")
        if requested == "bwrap" or os.geteuid() == 0:
            raise refusal(requested, failures)
        if not landlock_abi():
            raise refusal(requested, failures)
    weaker = ("unshare", "none") if requested == "auto" else (requested,)
    for mode in weaker:
        if mode == "unshare" and unshare_path() is None:
            failures.append("unshare: not installed")
            continue
        isolation = candidate(mode, requested, notes=tuple(failures))
        why = probe(isolation)
        if why is None:
            if requested == "auto":
                log.warning("sandbox: no working bwrap (%s); running programs under %s",
                            "; ".join(failures), isolation.summary())
            return isolation
        failures.append(f"{mode}: {why}")
    raise refusal(requested if requested != "auto" else "unshare", failures)


# -- uid slots for parallel runs -----------------------------------------------------------------
class _Slots:
    def __init__(self) -> None:
        self._free: list[int] = []
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            if self._free:
                return self._free.pop()
            self._next += 1
            return self._next - 1

    def give(self, slot: int) -> None:
        with self._lock:
            self._free.append(slot)


_SLOTS = _Slots()


def _uid_processes(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _drain_uid(uid: int, wait_s: float = 3.0) -> None:
    """Kill whatever a slot uid still runs, so the next run in this slot starts clean (with a PID
    namespace the kernel has already done it; this is the net under `none`)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        left = _uid_processes(uid)
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


# -- one run -------------------------------------------------------------------------------------
def run_program(program: str, limits: SandboxLimits | None = None) -> ExecutionResult:
    """Run one program in the sandbox and report what happened. Never raises for program faults;
    raises SandboxUnavailable when the requested isolation cannot be had here."""
    limits = limits or SandboxLimits()
    return execute(program, limits, resolve_isolation(limits.isolation))


def execute(program: str, limits: SandboxLimits, isolation: Isolation) -> ExecutionResult:
    slot = _SLOTS.take()
    try:
        # per host process and slot, so concurrent Dagster steps never share (or sweep) a uid
        uid = (limits.base_uid + (os.getpid() % 1024) * 1024 + slot) if isolation.uid_switch else None
        return _run(program, limits, isolation, uid)
    finally:
        _SLOTS.give(slot)


@dataclass
class _Outcome:
    stdout: bytes = b""
    stderr: bytes = b""
    status: bytes = b""  # the supervisor's "<exit code> <cpu seconds>"
    exit_code: int | None = None  # of the launched command (bwrap/unshare/bootstrap)
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    output_exceeded: bool = False
    start_error: str | None = None
    launcher_died: bool = False


def _run(program: str, limits: SandboxLimits, isolation: Isolation, uid: int | None) -> ExecutionResult:
    host_workdir = None if isolation.mode == "bwrap" else tempfile.mkdtemp(prefix="mammoth-sandbox-")
    started = time.monotonic()
    try:
        if host_workdir is not None and uid is not None:
            os.chown(host_workdir, uid, uid)
        workdir = program_workdir(isolation, host_workdir)
        nonce = f"\x1emammoth-answer-{uuid.uuid4().hex}:"
        argv = command(isolation, limits, nonce, uid, workdir)
        outcome = _launch(argv, host_workdir or "/", minimal_env(workdir),
                          program.encode("utf-8", "replace"), limits, started)
        if uid is not None and isolation.mode != "bwrap":
            _drain_uid(uid)
        return _result(outcome, nonce, limits, isolation.mode, time.monotonic() - started)
    finally:
        if host_workdir is not None:
            shutil.rmtree(host_workdir, ignore_errors=True)


def _launch(argv: list[str], cwd: str, env: dict[str, str], program: bytes, limits: SandboxLimits,
            started: float) -> _Outcome:
    pipes = [os.pipe() for _ in range(4)]  # stdin, stdout, stderr, status
    (stdin_r, stdin_w), (out_r, out_w), (err_r, err_w), (status_r, status_w) = pipes
    try:
        run = launcher().spawn(argv, cwd, env, [stdin_r, out_w, err_w, status_w])
    finally:
        for fd in (stdin_r, out_w, err_w, status_w):
            os.close(fd)
    outcome = _Outcome()
    try:
        if not run.started():
            os.close(stdin_w)
            outcome.start_error = run.error
            return outcome
        _communicate(outcome, stdin_w, out_r, err_r, status_r, program, limits, started)  # closes stdin_w
        if outcome.timed_out or outcome.output_exceeded:
            run.kill()
        try:
            outcome.exit_code = run.wait(max(started + limits.timeout_s - time.monotonic(), 0.05))
        except queue.Empty:  # closed its pipes but kept running
            outcome.timed_out = True
            run.kill()
            outcome.exit_code = run.wait(_EXIT_GRACE_S)
    except LauncherDied:
        outcome.launcher_died = True
    except queue.Empty:
        outcome.start_error = "the sandbox launcher did not report the end of the program"
    finally:
        for fd in (out_r, err_r, status_r):
            os.close(fd)
    return outcome


def _communicate(outcome: _Outcome, stdin_fd: int, out_fd: int, err_fd: int, status_fd: int,
                 program: bytes, limits: SandboxLimits, started: float) -> None:
    """Feed the program on stdin, collect bounded output, enforce the wall-clock deadline."""
    deadline = started + limits.timeout_s
    caps = {out_fd: limits.max_output_bytes, err_fd: limits.max_output_bytes, status_fd: 4096}
    buffers = {fd: bytearray() for fd in caps}
    truncated = {fd: False for fd in caps}
    pending = memoryview(program)
    with selectors.DefaultSelector() as selector:
        for fd in caps:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        os.set_blocking(stdin_fd, False)
        selector.register(stdin_fd, selectors.EVENT_WRITE)
        stdin_open = True
        open_readers = len(caps)
        while open_readers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome.timed_out = True
                break
            for key, _ in selector.select(min(remaining, 0.5)):
                fd = key.fd
                if fd == stdin_fd:
                    try:
                        pending = pending[os.write(fd, pending[: 1 << 16]):]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:  # exited before reading its program
                        pending = pending[:0]
                    if not len(pending):
                        selector.unregister(fd)
                        os.close(fd)
                        stdin_open = False
                    continue
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    open_readers -= 1
                    continue
                room = caps[fd] - len(buffers[fd])
                buffers[fd] += chunk[: max(room, 0)]
                if len(chunk) > room and fd != status_fd:
                    truncated[fd] = True
                    outcome.output_exceeded = True
            if outcome.output_exceeded:
                break
        if stdin_open:
            os.close(stdin_fd)
    outcome.stdout, outcome.stderr, outcome.status = (bytes(buffers[fd]) for fd in (out_fd, err_fd, status_fd))
    outcome.stdout_truncated, outcome.stderr_truncated = truncated[out_fd], truncated[err_fd]


# -- what happened -------------------------------------------------------------------------------
def _split_answer_marker(stderr: str, nonce: str) -> tuple[str, str | None]:
    index = stderr.rfind(nonce)
    if index < 0:
        return stderr, None
    value = stderr[index + len(nonce):]
    return stderr[:index].rstrip("\n"), value[:-1] if value.endswith("\n") else value


def _last_line(text: str) -> str | None:
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _program_status(outcome: _Outcome) -> tuple[int | None, float | None]:
    """The program's own exit code and CPU seconds, as its supervisor reported them."""
    try:
        code, cpu = outcome.status.decode().split()
        return int(code), float(cpu)
    except ValueError:
        return None, None


def _classify(outcome: _Outcome, code: int | None, cpu: float | None, stderr: str,
              limits: SandboxLimits) -> tuple[str, str | None]:
    if outcome.timed_out:
        return "timeout", f"wall-clock limit of {limits.timeout_s:g} s"
    if outcome.output_exceeded:
        return "killed", f"output limit of {limits.max_output_bytes} bytes"
    if outcome.start_error:
        return "error", f"sandbox could not start the program: {outcome.start_error}"
    if outcome.launcher_died:
        return "error", "the sandbox launcher died while the program ran"
    if code is None:  # no report from inside: the sandbox itself failed (bwrap, unshare)
        return "error", _last_line(stderr) or f"sandbox exited with status {outcome.exit_code}"
    if code == _inside.MEMORY_EXIT and stderr.rstrip().endswith("MemoryError"):
        return "killed", f"memory limit of {limits.memory_mb} MB"
    if code == _inside.CONFINE_EXIT and "sandbox: cannot confine" in stderr:
        return "error", _last_line(stderr)
    cpu_limited = code == -signal.SIGXCPU or (
        code == -signal.SIGKILL and cpu is not None and cpu >= limits.cpu_seconds - 0.05)
    if cpu_limited:
        return "timeout", f"CPU time limit of {limits.cpu_seconds} s"
    if code < 0:
        return "killed", f"killed by {_signal_name(-code)}"
    if code != 0:
        return "error", _last_line(stderr) or f"exit status {code}"
    return "ok", None


def _result(outcome: _Outcome, nonce: str, limits: SandboxLimits, mode: str,
            duration: float) -> ExecutionResult:
    stdout = outcome.stdout.decode("utf-8", "replace")
    stderr, variable = _split_answer_marker(outcome.stderr.decode("utf-8", "replace"), nonce)
    code, cpu = _program_status(outcome)
    status, reason = _classify(outcome, code, cpu, stderr, limits)
    answer, source = None, None
    if status == "ok":
        answer = _last_line(stdout)
        source = "stdout" if answer is not None else None
        if answer is None and variable is not None and variable.strip():
            answer, source = variable.strip(), "variable"
    return ExecutionResult(
        status=status, answer=answer, answer_source=source, stdout=stdout, stderr=stderr,
        exit_code=code if code is not None else outcome.exit_code, reason=reason,
        duration_s=round(duration, 4), isolation=mode, stdout_truncated=outcome.stdout_truncated,
        stderr_truncated=outcome.stderr_truncated, cpu_s=cpu,
    )


def run_programs(
    programs: Iterable[str],
    *,
    workers: int | None = None,
    limits: SandboxLimits | None = None,
) -> list[ExecutionResult]:
    """Run many programs in parallel (default: one per core), results in input order.
    Raises SandboxUnavailable before running anything when the isolation cannot be had."""
    programs = list(programs)
    if workers is not None and workers > 1024:
        raise ValueError("at most 1024 parallel workers per process (one sandbox uid each)")
    limits = limits or SandboxLimits()
    return run_programs_under(resolve_isolation(limits.isolation), programs, limits, workers)


def run_programs_under(isolation: Isolation, programs: list[str], limits: SandboxLimits,
                       workers: int | None = None) -> list[ExecutionResult]:
    """run_programs with an isolation already chosen (tests pin one bwrap binary this way)."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(programs) or 1))
    if workers == 1:
        return [execute(program, limits, isolation) for program in programs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox") as pool:
        return list(pool.map(lambda program: execute(program, limits, isolation), programs))


__all__ = ["available_isolation", "execute", "resolve_isolation", "run_program", "run_programs", "run_programs_under"]
