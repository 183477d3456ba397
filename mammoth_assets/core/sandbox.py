"""Run untrusted Python programs (LLM-written program-of-thought rationales) in a sandbox.

Every program runs in its own process tree:

- **Isolation** (`SandboxLimits.isolation`, "auto" picks the strongest that works here):
  `bwrap`: bubblewrap with a read-only root, a private size-limited /tmp, new PID, network, IPC
  and UTS namespaces (no network at all: only a down loopback), `--die-with-parent`, a new session;
  `unshare`: util-linux unshare with new network and PID namespaces;
  `none`: a plain child process; an audit hook inside it refuses sockets, process creation,
  `os.kill` of other processes and writes outside the work dir (weaker: a C extension can bypass
  audit hooks, so use it only where namespaces are unavailable).
- **Identity**: when the host runs as root, the program runs as an unprivileged uid, one per
  host process and parallel slot (`base_uid + 1024 * (pid % 1024) + slot`), so it cannot read
  root-only files, cannot signal the host, and the process-count limit (RLIMIT_NPROC, which never
  applies to root) holds per slot.
  Under bwrap, home directories that the unprivileged uid cannot traverse (the interpreter may
  live under /root) are hidden behind an empty tmpfs with only the interpreter re-exposed.
- **Limits** (`setrlimit` inside the child, before the program runs): CPU seconds, address space
  (memory), process count, file size, open files, no core dumps. The wall-clock limit is enforced
  from the host: past the deadline the whole process group is killed (and with a PID namespace,
  every process in it), whatever the program does with signals.
- **I/O**: an empty temporary working directory (removed afterwards), a minimal environment (no
  host variables, so no secrets), stdin closed (the program text arrives on stdin and is read by
  the bootstrap before the program starts), stdout/stderr captured up to `max_output_bytes`
  each; a program that prints more is killed (status `killed`, reason `output limit`).

The program's answer is the last non-empty line it prints or, if it prints nothing, the value of a
top-level `ans`, `answer` or `result` variable. Status is `ok`, `error` (non-zero exit, exception),
`timeout` (wall clock or CPU time) or `killed` (memory, output limit, a signal).
"""

from __future__ import annotations

import functools
import math
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

STATUSES = ("ok", "error", "timeout", "killed")
ISOLATIONS = ("auto", "bwrap", "unshare", "none")
_MEMORY_EXIT = 86  # the bootstrap's exit code for MemoryError
_WORKDIR = "/tmp/work"  # the program's cwd inside a bwrap sandbox
_ANSWER_VARIABLES = ("ans", "answer", "result")
_MAX_VARIABLE_CHARS = 10_000


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 5.0  # wall clock, from the host (MAmmoTH: programs run with a 5 s timeout)
    cpu_s: int | None = None  # RLIMIT_CPU; default: ceil(timeout_s) + 1
    memory_mb: int = 2048  # RLIMIT_AS (virtual address space) per process
    max_processes: int = 32  # RLIMIT_NPROC (threads count too) per parallel slot
    max_file_mb: int = 16  # RLIMIT_FSIZE: largest file a program may write
    max_open_files: int = 256  # RLIMIT_NOFILE
    max_output_bytes: int = 1 << 20  # per stream; beyond it the program is killed
    tmpfs_mb: int = 64  # size of the private /tmp under bwrap
    isolation: str = "auto"  # auto | bwrap | unshare | none
    base_uid: int = 61000  # first unprivileged uid used when the host runs as root

    @property
    def cpu_seconds(self) -> int:
        return self.cpu_s if self.cpu_s is not None else math.ceil(self.timeout_s) + 1

    def describe(self) -> dict:
        return asdict(self) | {"cpu_s": self.cpu_seconds}


@dataclass
class ExecutionResult:
    status: str  # ok | error | timeout | killed
    answer: str | None  # last printed line, else the value of ans/answer/result
    answer_source: str | None  # "stdout" | "variable" | None
    stdout: str
    stderr: str
    exit_code: int | None
    reason: str | None  # why it failed: exception line, "memory limit", "output limit", ...
    duration_s: float
    isolation: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# -- the bootstrap that runs inside the sandbox ------------------------------------------------
# Runs as `python -I -c BOOTSTRAP <nonce> <settings-json>`. It reads the program from stdin, closes
# stdin, drops privileges, applies the limits, optionally installs the audit guard, then runs the
# program as __main__. The answer variable comes back on stderr after a per-run nonce marker.
_BOOTSTRAP = r"""
import builtins, os, resource, sys
nonce, uid, guard_on, rlimits, site_paths = sys.argv[1:6]
sys.path.extend(p for p in site_paths.split(os.pathsep) if p)
source = sys.stdin.buffer.read()
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
sys.stdin = open(os.devnull)
if uid != "-":
    os.setgroups([])
    os.setgid(int(uid))
    os.setuid(int(uid))
for limit in rlimits.split(","):
    name, soft, hard = limit.split(":")
    resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))
if guard_on == "1":
    workdir = os.path.realpath(os.getcwd())
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    refused = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
               "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "os.exec",
               "subprocess.Popen", "pty.spawn", "ctypes.dlopen", "ctypes.cdata"}
    def guard(event, args, _pid=os.getpid(), _realpath=os.path.realpath):
        if event in refused:
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event in ("os.kill", "os.killpg", "signal.pthread_kill") and args[0] not in (0, _pid):
            raise PermissionError("sandbox: signalling other processes is not allowed")
        if event == "open" and isinstance(args[0], str):
            mode, flags = args[1] or "", args[2] or 0
            if any(c in mode for c in "wax+") or flags & write_flags:
                path = _realpath(args[0])
                if path != os.devnull and not path.startswith(workdir + os.sep):
                    raise PermissionError(f"sandbox: writing outside the work dir: {args[0]}")
    sys.addaudithook(guard)
sys.argv = ["program.py"]
namespace = {"__name__": "__main__", "__builtins__": builtins, "__file__": "program.py"}
try:
    exec(compile(source, "program.py", "exec"), namespace)
except MemoryError:
    os.write(2, b"MemoryError\n")
    os._exit(%(memory_exit)d)
except SystemExit:
    raise
except BaseException:
    raise  # the interpreter prints the traceback and exits with status 1
for name in %(variables)r:
    if name in namespace:
        try:
            value = str(namespace[name])[:%(max_chars)d]
        except BaseException:
            break
        sys.stdout.flush()
        sys.stderr.write("\n" + nonce + value + "\n")
        break
""" % {"memory_exit": _MEMORY_EXIT, "variables": _ANSWER_VARIABLES, "max_chars": _MAX_VARIABLE_CHARS}


# -- environment probing -----------------------------------------------------------------------
def _minimal_env(workdir: str) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": workdir,
        "PYTHONIOENCODING": "utf-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


@functools.lru_cache(maxsize=None)
def _works(command: tuple[str, ...]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _bwrap_base(limits: SandboxLimits) -> list[str]:
    return [
        "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
        "--ro-bind", "/", "/",
        "--dev", "/dev", "--proc", "/proc",
        "--perms", "1777", "--size", str(limits.tmpfs_mb << 20), "--tmpfs", "/tmp",
    ]


def available_isolation(requested: str = "auto") -> str:
    """The isolation actually used for a request: `auto` picks bwrap, then unshare, then none.
    Asking for bwrap or unshare where it does not work is an error, not a silent downgrade."""
    if requested not in ISOLATIONS:
        raise ValueError(f"unknown isolation {requested!r}; expected one of {ISOLATIONS}")
    probes = {
        "bwrap": ("bwrap", "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/",
                  "--proc", "/proc", "--dev", "/dev", "--die-with-parent", "true"),
        "unshare": _unshare_prefix() + ("true",),
    }
    if requested == "none":
        return "none"
    if requested != "auto":
        if shutil.which(requested) is None or not _works(probes[requested]):
            raise RuntimeError(f"sandbox isolation {requested!r} is not available on this machine")
        return requested
    for candidate in ("bwrap", "unshare"):
        if shutil.which(candidate) and _works(probes[candidate]):
            return candidate
    return "none"


def _unshare_prefix() -> tuple[str, ...]:
    user = () if os.geteuid() == 0 else ("--user", "--map-root-user")
    return ("unshare", *user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc")


def _traversable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IXOTH)
    except OSError:
        return False


def _readable_by_others(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IROTH) and (not stat.S_ISDIR(mode) or bool(mode & stat.S_IXOTH))


@functools.lru_cache(maxsize=None)
def _site_packages() -> list[str]:
    """The interpreter's site-packages (venv first), so programs can import sympy and numpy."""
    import site

    return [p for p in site.getsitepackages() if os.path.isdir(p)]


@functools.lru_cache(maxsize=None)
def _interpreter_paths() -> tuple[Path, ...]:
    """Directories the interpreter needs: the venv, the base installation, the real binary's."""
    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent}
    return tuple(sorted(candidates))


@functools.lru_cache(maxsize=None)
def _tmp_rebinds() -> tuple[str, ...]:
    """bwrap arguments that bind interpreter paths living under /tmp (a checkout or venv there)
    back over the private /tmp, where they would otherwise vanish."""
    tmp = Path("/tmp")
    paths = {Path(os.path.realpath(p)) for p in (*_interpreter_paths(), *_site_packages())}
    inside = [p for p in paths if tmp in p.parents]
    inside = sorted(p for p in inside if not any(q in p.parents for q in inside))
    arguments: list[str] = []
    # bwrap creates the directories between /tmp and a bind target with mode 0700; the program's
    # unprivileged uid must be able to traverse them
    between = {a for p in inside for a in p.parents if tmp in a.parents}
    for directory in sorted(between, key=lambda a: len(a.parts)):
        arguments += ["--perms", "0755", "--dir", str(directory)]
    for path in inside:
        arguments += ["--ro-bind", str(path), str(path)]
    return tuple(arguments)


@functools.lru_cache(maxsize=None)
def _uid_plan(isolation: str) -> tuple[bool, tuple[str, ...]]:
    """Whether programs can run as an unprivileged uid, and the bwrap arguments that make the
    interpreter reachable for it (hide untraversable ancestors behind tmpfs, re-bind the paths)."""
    if os.geteuid() != 0:
        return False, ()
    hidden: list[Path] = []
    for path in _interpreter_paths():
        if not _readable_by_others(path):
            return False, ()
        blocked = next((a for a in reversed(path.parents) if not _traversable_by_others(a)), None)
        if blocked is not None:
            if isolation != "bwrap":
                return False, ()
            hidden.append(blocked)
    arguments: list[str] = []
    for directory in sorted(set(hidden)):
        arguments += ["--perms", "0755", "--tmpfs", str(directory)]
    rebound = [p for p in _interpreter_paths() if any(d in p.parents for d in hidden)]
    # bwrap would create the directories between the tmpfs and the bind target with mode 0700
    between = {a for p in rebound for a in p.parents if any(d in a.parents for d in hidden)}
    for directory in sorted(between, key=lambda a: len(a.parts)):
        arguments += ["--perms", "0755", "--dir", str(directory)]
    for path in rebound:
        arguments += ["--ro-bind", str(path), str(path)]
    return True, tuple(arguments)


# -- uid slots for parallel runs ---------------------------------------------------------------
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


# -- running one program -----------------------------------------------------------------------
def _rlimits(limits: SandboxLimits) -> dict[str, tuple[int, int]]:
    cpu = limits.cpu_seconds
    memory = limits.memory_mb << 20
    return {
        "RLIMIT_CPU": (cpu, cpu + 1),
        "RLIMIT_AS": (memory, memory),
        "RLIMIT_NPROC": (limits.max_processes, limits.max_processes),
        "RLIMIT_FSIZE": (limits.max_file_mb << 20, limits.max_file_mb << 20),
        "RLIMIT_NOFILE": (limits.max_open_files, limits.max_open_files),
        "RLIMIT_CORE": (0, 0),
    }


def _command(isolation: str, limits: SandboxLimits, host_workdir: str, nonce: str,
             uid: int | None, uid_binds: Sequence[str]) -> tuple[list[str], str]:
    """The argv that runs the bootstrap, and the cwd to start it in."""
    # Plain-string arguments: the bootstrap imports nothing beyond os/sys/resource (json alone
    # costs more than the interpreter start on a busy machine).
    rlimits = ",".join(f"{name}:{soft}:{hard}" for name, (soft, hard) in _rlimits(limits).items())
    arguments = [nonce, "-" if uid is None else str(uid), "1" if isolation == "none" else "0",
                 rlimits, os.pathsep.join(_site_packages())]
    # -S: no `site` import. It runs every .pth file in the venv (editable installs, coloredlogs...)
    # and costs ~4x the bare interpreter start; the bootstrap adds site-packages to sys.path itself.
    python = [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, *arguments]
    if isolation == "bwrap":
        command = (
            _bwrap_base(limits) + list(_tmp_rebinds()) + list(uid_binds)
            + ["--bind", host_workdir, _WORKDIR, "--chdir", _WORKDIR]
        )
        if uid is not None:  # the bootstrap drops to `uid`; bwrap must let it
            command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        return command + ["--"] + python, host_workdir
    if isolation == "unshare":
        return list(_unshare_prefix()) + ["--"] + python, host_workdir
    return python, host_workdir


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


def _drain_uid(uid: int, *, kill: bool, wait_s: float = 3.0) -> None:
    """Wait until no process of a slot uid is left, so the next run in this slot starts clean.
    With a PID namespace the kernel kills the rest once its init dies (asynchronously): we only
    wait. Without one we SIGKILL them ourselves (double-forked daemons leave the process group)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        left = _uid_processes(uid)
        if not left:
            return
        if kill:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.01)


def run_program(program: str, limits: SandboxLimits | None = None) -> ExecutionResult:
    """Run one program in the sandbox and report what happened. Never raises for program faults."""
    limits = limits or SandboxLimits()
    isolation = available_isolation(limits.isolation)
    slot = _SLOTS.take()
    try:
        return _run_in_slot(program, limits, isolation, slot)
    finally:
        _SLOTS.give(slot)


def _run_in_slot(program: str, limits: SandboxLimits, isolation: str, slot: int) -> ExecutionResult:
    switch_uid, uid_binds = _uid_plan(isolation)
    # per host process and slot, so concurrent Dagster steps never share (or sweep) a uid
    uid = limits.base_uid + (os.getpid() % 1024) * 1024 + slot if switch_uid else None
    host_workdir = tempfile.mkdtemp(prefix="mammoth-sandbox-")
    started = time.monotonic()
    try:
        if uid is not None:
            os.chown(host_workdir, uid, uid)
        nonce = f"\x1emammoth-answer-{uuid.uuid4().hex}:"
        command, cwd = _command(isolation, limits, host_workdir, nonce, uid, uid_binds)
        env = _minimal_env(_WORKDIR if isolation == "bwrap" else host_workdir)
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, process_group=0, close_fds=True,
        )
        outcome = _communicate(process, program.encode("utf-8", "replace"), limits, started)
        if uid is not None:
            _drain_uid(uid, kill=isolation == "none")
        return _result(outcome, nonce, limits, isolation, time.monotonic() - started)
    finally:
        shutil.rmtree(host_workdir, ignore_errors=True)


@dataclass
class _Outcome:
    returncode: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    output_exceeded: bool = False


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except ProcessLookupError:
        pass


def _communicate(process: subprocess.Popen, program: bytes, limits: SandboxLimits,
                 started: float) -> _Outcome:
    """Feed the program on stdin, collect bounded output, enforce the wall-clock deadline."""
    assert process.stdin and process.stdout and process.stderr
    deadline = started + limits.timeout_s
    out_fd, err_fd = process.stdout.fileno(), process.stderr.fileno()
    buffers = {out_fd: bytearray(), err_fd: bytearray()}
    truncated = {fd: False for fd in buffers}
    pending = memoryview(program)
    outcome = _Outcome(None, b"", b"")
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        stdin_fd = process.stdin.fileno()
        os.set_blocking(stdin_fd, False)
        selector.register(stdin_fd, selectors.EVENT_WRITE)
        open_readers = len(buffers)
        stdin_open = True
        while open_readers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome.timed_out = True
                break
            for key, _ in selector.select(min(remaining, 0.5)):
                fd = key.fd
                if fd == stdin_fd:
                    try:
                        pending = pending[os.write(fd, pending[: 1 << 16]) :]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:  # exited before reading its program
                        pending = pending[:0]
                    if not len(pending):
                        selector.unregister(fd)
                        process.stdin.close()
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
                room = limits.max_output_bytes - len(buffers[fd])
                buffers[fd] += chunk[: max(room, 0)]
                if len(chunk) > room:
                    truncated[fd] = True
                    outcome.output_exceeded = True
            if outcome.output_exceeded:
                break
        if stdin_open:
            try:
                process.stdin.close()
            except OSError:
                pass
    if outcome.timed_out or outcome.output_exceeded:
        _kill_group(process)
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0.05))
    except subprocess.TimeoutExpired:  # closed its pipes but kept running
        outcome.timed_out = True
        _kill_group(process)
        process.wait()
    _kill_group(process)  # stragglers left in the group after the leader exited
    process.stdout.close()
    process.stderr.close()
    outcome.returncode = process.returncode
    outcome.stdout, outcome.stderr = bytes(buffers[out_fd]), bytes(buffers[err_fd])
    outcome.stdout_truncated, outcome.stderr_truncated = truncated[out_fd], truncated[err_fd]
    return outcome


def _split_answer_marker(stderr: str, nonce: str) -> tuple[str, str | None]:
    index = stderr.rfind(nonce)
    if index < 0:
        return stderr, None
    value = stderr[index + len(nonce) :]
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


def _result(outcome: _Outcome, nonce: str, limits: SandboxLimits, isolation: str,
            duration: float) -> ExecutionResult:
    stdout = outcome.stdout.decode("utf-8", "replace")
    stderr, variable = _split_answer_marker(outcome.stderr.decode("utf-8", "replace"), nonce)
    code = outcome.returncode
    # Under bwrap/unshare a child killed by signal N shows up as exit status 128 + N.
    signal_number = -code if code is not None and code < 0 else (
        code - 128 if code is not None and code > 128 and isolation != "none" else None
    )
    if outcome.timed_out:
        status, reason = "timeout", f"wall-clock limit of {limits.timeout_s:g} s"
    elif outcome.output_exceeded:
        status, reason = "killed", f"output limit of {limits.max_output_bytes} bytes"
    elif code == _MEMORY_EXIT and stderr.rstrip().endswith("MemoryError"):
        status, reason = "killed", f"memory limit of {limits.memory_mb} MB"
    elif signal_number == signal.SIGXCPU:
        status, reason = "timeout", f"CPU time limit of {limits.cpu_seconds} s"
    elif signal_number is not None:
        status, reason = "killed", f"killed by {_signal_name(signal_number)}"
    elif code != 0:
        status, reason = "error", _last_line(stderr) or f"exit status {code}"
    else:
        status, reason = "ok", None
    answer, source = None, None
    if status == "ok":
        answer = _last_line(stdout)
        source = "stdout" if answer is not None else None
        if answer is None and variable is not None and variable.strip():
            answer, source = variable.strip(), "variable"
    return ExecutionResult(
        status=status, answer=answer, answer_source=source, stdout=stdout, stderr=stderr,
        exit_code=code, reason=reason, duration_s=round(duration, 4), isolation=isolation,
        stdout_truncated=outcome.stdout_truncated, stderr_truncated=outcome.stderr_truncated,
    )


def run_programs(
    programs: Iterable[str],
    *,
    workers: int | None = None,
    limits: SandboxLimits | None = None,
) -> list[ExecutionResult]:
    """Run many programs in parallel (default: one per core), results in input order."""
    programs = list(programs)
    if workers is not None and workers > 1024:
        raise ValueError("at most 1024 parallel workers per process (one sandbox uid each)")
    limits = limits or SandboxLimits()
    available_isolation(limits.isolation)  # fail fast on an impossible request
    workers = max(1, min(workers or os.cpu_count() or 1, len(programs) or 1))
    if workers == 1:
        return [run_program(program, limits) for program in programs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox") as pool:
        return list(pool.map(lambda program: run_program(program, limits), programs))


__all__ = [
    "ExecutionResult",
    "SandboxLimits",
    "available_isolation",
    "run_program",
    "run_programs",
    "STATUSES",
    "ISOLATIONS",
]
