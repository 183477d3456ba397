"""A hostile set: programs that try to escape, each checked from the host side.

Every target is something the caller created in its own temp dir (`HostileTargets`): a canary file
outside the work dir, a root-only (0600) file standing in for /etc/shadow, a directory to fill,
a 127.0.0.1 listener, a victim process to kill, an environment secret. Nothing here touches
repository or system files, so `mammoth sandbox-check` and the tests can run it anywhere.

An action is contained when the host sees no effect (canary unchanged, nothing written, no
connection accepted, victim and launcher alive, no leftover process, secret never printed) and
the run ended with one of the sandbox's statuses.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from mammoth_assets.core.sandbox.limits import STATUSES, ExecutionResult, SandboxLimits

SECRET_ENV = "MAMMOTH_LLM_API_KEY"
# each action's limits: short, and a 1 s CPU budget (the CPU spin must end as `timeout`)
HOSTILE_LIMITS = dict(timeout_s=10.0, cpu_s=1, memory_mb=512, max_processes=16, max_output_bytes=1 << 16)


def default_parent() -> Path | None:
    """Where targets go: /var/tmp when writable, so they stay visible (read-only) inside bwrap,
    whose /tmp is private; else the temp dir."""
    var_tmp = Path("/var/tmp")
    return var_tmp if var_tmp.is_dir() and os.access(var_tmp, os.W_OK) else None


class HostileTargets:
    """What hostile programs aim at, created in a fresh temp dir; `close()` removes it all."""

    def __init__(self, parent: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mammoth-hostile-", dir=parent or default_parent()))
        self.marker = f"mammoth-escapee-{uuid.uuid4().hex[:12]}"
        self.secret_text = f"shadow-{uuid.uuid4().hex}"
        self.env_secret = f"sk-fake-{uuid.uuid4().hex}"
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self.accepted: list[str] = []
        self._stop = threading.Event()
        self._listener = threading.Thread(target=self._accept, daemon=True)
        self._listener.start()
        self.victim = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(3600)", f"{self.marker}-victim"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, address = self._server.accept()
            except OSError:
                continue
            self.accepted.append(f"{address[0]}:{address[1]}")
            connection.close()

    def workspace(self, action: str) -> Path:
        """The action's own files: canary.txt (0644), secret.txt (0600), fill/ (empty)."""
        path = self.root / action
        if not path.exists():
            path.mkdir()
            (path / "canary.txt").write_text("original")
            (path / "canary.txt").chmod(0o644)
            secret = path / "secret.txt"
            secret.write_text(self.secret_text)
            secret.chmod(0o600)
            (path / "fill").mkdir()
        return path

    def snapshot(self, action: str) -> dict[str, tuple]:
        """Every path under the action's workspace with its mode, size and content digest."""
        found = {}
        base = self.workspace(action)
        for path in sorted(base.rglob("*")):
            info = path.lstat()
            content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
            found[str(path.relative_to(base))] = (info.st_mode, info.st_size, hash(content))
        return found

    def leftovers(self) -> list[int]:
        """Processes still running with this set's marker in their command line (the victim aside)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != self.victim.pid:
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as handle:
                        if self.marker.encode() in handle.read():
                            found.append(int(entry))
                except OSError:
                    continue
        return found

    def kill_leftovers(self) -> None:
        for pid in self.leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._listener.join(2)
        self._server.close()
        self.victim.kill()
        self.victim.wait()
        self.kill_leftovers()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "HostileTargets":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class HostileAction:
    name: str
    description: str
    program: Callable[[HostileTargets, Path], str]
    # extra host-side check: (result, targets, workspace) -> why it escaped, or None
    check: Callable[[ExecutionResult, HostileTargets, Path], str | None] | None = None
    show_output: bool = True  # False: never echo what it printed (it read secrets' hiding places)


@dataclass(frozen=True)
class HostileOutcome:
    action: str
    description: str
    status: str
    reason: str | None
    answer: str | None
    contained: bool
    evidence: str  # what escaped, or why it counts as contained


def _attempts(lines: Sequence[str]) -> str:
    """A program that tries each statement and prints `label:OK` or `label:ErrorName` per try."""
    body = "".join(
        f"try:\n    {line}\n    outcomes.append('{i}:OK')\n"
        f"except BaseException as error:\n    outcomes.append('{i}:' + type(error).__name__)\n"
        for i, line in enumerate(lines)
    )
    return "outcomes = []\n" + body + "print(' '.join(outcomes))\n"


def _write_outside(t: HostileTargets, w: Path) -> str:
    return _attempts([
        f"open({str(w / 'canary.txt')!r}, 'w').write('pwned')",
        f"open({str(w / 'new.txt')!r}, 'x').write('pwned')",
        f"open({str(w / 'canary.txt')!r}, 'a').write('pwned')",
        f"import os; os.truncate({str(w / 'canary.txt')!r}, 0)",
        "open('../escape.txt', 'w').write('pwned')",
    ])


def _read_secret(t: HostileTargets, w: Path) -> str:
    return f"print(open({str(w / 'secret.txt')!r}).read())\n"


def _fork_bomb(t: HostileTargets, w: Path) -> str:
    return (
        "import os, sys\n"
        "while True:\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        f"            os.execv(sys.executable, [sys.executable, '-c', 'while True: pass', '{t.marker}-bomb'])\n"
        "    except OSError:\n"
        "        pass\n"
    )


def _disk_fill(t: HostileTargets, w: Path) -> str:
    return (
        "import os\n"
        "chunk = b'x' * (1 << 20)\n"
        "written = 0\n"
        "for i in range(4096):\n"
        f"    with open(os.path.join({str(w / 'fill')!r}, f'blob-{{i}}'), 'wb') as handle:\n"
        "        handle.write(chunk)\n"
        "    written += 1\n"
        "print(f'wrote {written} MB')\n"
    )


def _double_fork(t: HostileTargets, w: Path) -> str:
    return (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)', '{t.marker}-daemon'])\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )


def _connect(t: HostileTargets, w: Path) -> str:
    return (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {t.port}), timeout=2)\n"
        "s.sendall(b'exfiltrated')\n"
        "print('connected')\n"
    )


def _kill_parent(t: HostileTargets, w: Path) -> str:
    return _attempts([
        "import os, signal; os.kill(os.getppid(), signal.SIGKILL)",
        f"import os, signal; os.kill({t.victim.pid}, signal.SIGKILL)",
        f"import os, signal; os.killpg(os.getpgid({t.victim.pid}), signal.SIGKILL)",
    ])


def _read_environ(t: HostileTargets, w: Path) -> str:
    # walk up the parent chain, stopping at the caller: what the program's ancestors carry
    return (
        "import os\n"
        "seen = []\n"
        "pid = os.getppid()\n"
        f"while pid not in (0, 1, {os.getpid()}) and len(seen) < 8:\n"
        "    try:\n"
        "        seen.append(open(f'/proc/{pid}/environ', 'rb').read().decode(errors='replace'))\n"
        "    except OSError as error:\n"
        "        seen.append(type(error).__name__)\n"
        "    try:\n"
        "        pid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
        "    except (OSError, ValueError, IndexError):\n"
        "        break\n"
        "print(' | '.join(seen))\n"
    )


def _cpu_spin(t: HostileTargets, w: Path) -> str:
    return "while True:\n    pass\n"


def _rename(t: HostileTargets, w: Path) -> str:
    return f"import os\nos.rename({str(w / 'canary.txt')!r}, {str(w / 'renamed.txt')!r})\n"


def _remove(t: HostileTargets, w: Path) -> str:
    return f"import os\nos.remove({str(w / 'canary.txt')!r})\n"


def _chmod(t: HostileTargets, w: Path) -> str:
    return f"import os\nos.chmod({str(w / 'secret.txt')!r}, 0o666)\n"


def _symlink(t: HostileTargets, w: Path) -> str:
    return _attempts([
        f"import os; os.symlink('/', {str(w / 'link')!r})",
        f"import os; os.symlink({str(w / 'canary.txt')!r}, 'inside-link'); open('inside-link', 'w').write('pwned')",
    ])


def _secret_not_printed(result: ExecutionResult, t: HostileTargets, w: Path) -> str | None:
    text = f"{result.stdout}\n{result.stderr}\n{result.answer or ''}"
    return "the root-only file's content was printed" if t.secret_text in text else None


def _no_env_secret(result: ExecutionResult, t: HostileTargets, w: Path) -> str | None:
    text = f"{result.stdout}\n{result.stderr}\n{result.answer or ''}"
    return f"{SECRET_ENV} was read from an ancestor's environment" if t.env_secret in text else None


def _no_connection(result: ExecutionResult, t: HostileTargets, w: Path) -> str | None:
    return f"the listener accepted {t.accepted}" if t.accepted else None


def _victim_alive(result: ExecutionResult, t: HostileTargets, w: Path) -> str | None:
    return "the victim process was killed" if t.victim.poll() is not None else None


def _cpu_timeout(result: ExecutionResult, t: HostileTargets, w: Path) -> str | None:
    # the CPU limit normally ends it; on a saturated machine the wall clock may come first
    if result.status != "timeout":
        return f"expected `timeout`, got {result.status}: {result.reason}"
    return None


ACTIONS: tuple[HostileAction, ...] = (
    HostileAction("write-outside", "write/create/append/truncate files outside the work dir", _write_outside),
    HostileAction("read-root-only", "read a root-only (0600) file, the stand-in for /etc/shadow",
                  _read_secret, _secret_not_printed),
    HostileAction("fork-bomb", "fork and exec spinning children without end", _fork_bomb),
    HostileAction("disk-fill-outside", "write 1 MB files outside the work dir until the disk is full", _disk_fill),
    HostileAction("setsid-double-fork", "leave a daemon behind (setsid + double fork)", _double_fork),
    HostileAction("socket-to-listener", "connect to a 127.0.0.1 listener on the host", _connect, _no_connection),
    HostileAction("kill-parent", "SIGKILL the parent, and a victim process of the caller", _kill_parent,
                  _victim_alive),
    HostileAction("read-parent-environ", f"read /proc/<ppid>/environ up the chain for {SECRET_ENV}",
                  _read_environ, _no_env_secret, show_output=False),
    HostileAction("cpu-spin", "spin with a 1 s CPU limit (must end as `timeout`)", _cpu_spin, _cpu_timeout),
    HostileAction("rename-outside", "os.rename a file outside the work dir", _rename),
    HostileAction("remove-outside", "os.remove a file outside the work dir", _remove),
    HostileAction("chmod-outside", "os.chmod the root-only file to 0666", _chmod),
    HostileAction("symlink-outside", "symlink outside, or write through a link to outside", _symlink),
)


def hostile_programs(targets: HostileTargets, actions: Sequence[HostileAction] = ACTIONS) -> list[str]:
    return [action.program(targets, targets.workspace(action.name)) for action in actions]


def judge(action: HostileAction, result: ExecutionResult, targets: HostileTargets,
          before: dict[str, tuple]) -> HostileOutcome:
    """Whether `action` was contained, judged on the host: its files, processes, listener, output."""
    workspace = targets.workspace(action.name)
    escapes = []
    if result.status not in STATUSES:
        escapes.append(f"unknown status {result.status!r}")
    elif result.status != "ok" and not result.reason:
        escapes.append("a failed run without a reason")
    after = targets.snapshot(action.name)
    if after != before:
        changed = sorted(set(after.items()) ^ set(before.items()))
        escapes.append(f"files changed outside the work dir: {sorted({name for name, _ in changed})}")
    deadline = time.monotonic() + 3  # a killed namespace takes a moment to disappear
    while targets.leftovers() and time.monotonic() < deadline:
        time.sleep(0.05)
    if targets.leftovers():
        escapes.append(f"{len(targets.leftovers())} processes outlived the program")
        targets.kill_leftovers()
    if action.check is not None and (why := action.check(result, targets, workspace)):
        escapes.append(why)
    if result.status != "ok":
        detail = result.reason
    elif action.show_output:
        detail = f"printed: {(result.answer or '')[:80]}"
    else:
        detail = "ran; nothing secret in its output"
    return HostileOutcome(
        action=action.name, description=action.description, status=result.status, reason=result.reason,
        answer=result.answer, contained=not escapes,
        evidence="; ".join(escapes) if escapes else (detail or ""),
    )


def run_hostile_set(
    run: Callable[[list[str]], list[ExecutionResult]],
    targets: HostileTargets,
    actions: Sequence[HostileAction] = ACTIONS,
) -> list[HostileOutcome]:
    """Run every action through `run` (a batch runner: the library, or `mammoth run-programs`),
    with a harmless program last, and judge each from the host."""
    before = {action.name: targets.snapshot(action.name) for action in actions}
    results = run([*hostile_programs(targets, actions), "print(6 * 7)\n"])
    *hostile, last = results
    outcomes = [judge(action, result, targets, before[action.name]) for action, result in zip(actions, hostile)]
    alive = HostileOutcome(
        action="batch-goes-on", description="a harmless program after the hostile ones still answers",
        status=last.status, reason=last.reason, answer=last.answer,
        contained=last.status == "ok" and last.answer == "42",
        evidence=f"answered {last.answer!r}" if last.answer == "42" else f"{last.status}: {last.reason}",
    )
    return [*outcomes, alive]


def hostile_limits(isolation: str) -> SandboxLimits:
    return SandboxLimits(isolation=isolation, **HOSTILE_LIMITS)


def library_runner(limits: SandboxLimits, workers: int = 2) -> Callable[[list[str]], list[ExecutionResult]]:
    from mammoth_assets.core.sandbox.runner import run_programs

    return lambda programs: run_programs(programs, workers=workers, limits=limits)


def cli_runner(targets: HostileTargets, isolation: str, workers: int = 2,
               timeout_s: float = 120.0) -> Callable[[list[str]], list[ExecutionResult]]:
    """Run a batch through `mammoth run-programs` in a child process whose own environment holds
    the fake secret (so a program reading its ancestors' environ would find it)."""
    limits = hostile_limits(isolation)

    def run(programs: list[str]) -> list[ExecutionResult]:
        source, output = targets.root / "programs.jsonl", targets.root / "results.jsonl"
        source.write_text("".join(json.dumps({"id": i, "program": p}) + "\n" for i, p in enumerate(programs)))
        command = [
            sys.executable, "-c", "import sys; from mammoth_assets.cli import main; sys.exit(main())",
            "run-programs", str(source), "--output", str(output), "--isolation", isolation,
            "--workers", str(workers), "--timeout", str(limits.timeout_s),
            "--cpu-seconds", str(limits.cpu_seconds), "--memory-mb", str(limits.memory_mb),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                                   env=os.environ | {SECRET_ENV: targets.env_secret})
        if completed.returncode != 0:
            raise RuntimeError(f"run-programs exited {completed.returncode}: {completed.stderr[-2000:]}")
        lines = [json.loads(line) for line in output.read_text().splitlines()]
        return [
            ExecutionResult(
                status=line["status"], answer=line["answer"], answer_source=None,
                stdout=line["answer"] or "", stderr=line["reason"] or "", exit_code=None,
                reason=line["reason"], duration_s=line.get("duration_s") or 0.0,
                isolation=line.get("isolation") or isolation,
            )
            for line in lines
        ]

    return run
