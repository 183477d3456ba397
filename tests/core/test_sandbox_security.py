"""Hostile programs: each is contained, gets a clear status, and the batch goes on.

Containment is asserted on the host side: the host file is unchanged, the parent (this test
process) is alive and untouched, no network connection reached a listener on the host, no process
outlives its run, and the next program in the batch still runs.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from mammoth_assets.core.sandbox import SandboxLimits, available_isolation, run_programs

LIMITS = SandboxLimits(timeout_s=2.0, memory_mb=512, max_processes=16, max_output_bytes=1 << 16)
CANARY = "print(6 * 7)\n"
MARKER = "mammoth-escapee-marker"


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if marker.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _run_with_canary(program: str, limits: SandboxLimits = LIMITS):
    """The hostile program, then a harmless one in the same parallel batch."""
    hostile, canary = run_programs([program, CANARY], workers=2, limits=limits)
    assert canary.status == "ok" and canary.answer == "42", canary
    return hostile


def test_infinite_loop_times_out() -> None:
    result = _run_with_canary("while True:\n    pass\n")
    assert result.status == "timeout" and "wall-clock" in result.reason
    assert result.duration_s < LIMITS.timeout_s + 2


def test_infinite_loop_ignoring_signals_still_dies() -> None:
    program = "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = _run_with_canary(program)
    assert result.status == "timeout"


def test_fork_bomb_is_bounded_and_leaves_nothing_behind() -> None:
    program = (
        "import os, sys\n"
        "while True:\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        f"            os.execv(sys.executable, [sys.executable, '-c', 'while True: pass', '{MARKER}-bomb'])\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = _run_with_canary(program)
    assert result.status == "timeout"
    assert _processes_with(f"{MARKER}-bomb") == []


def test_double_forked_setsid_child_does_not_survive() -> None:
    program = (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)', '{MARKER}-daemon'])\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )
    result = _run_with_canary(program)
    assert result.status == "ok" and result.answer == "parent done"
    assert _processes_with(f"{MARKER}-daemon") == []


def test_memory_bomb_is_killed() -> None:
    # touching pages is slow on a busy machine: give it time to reach the limit
    limits = SandboxLimits(timeout_s=20.0, memory_mb=256, max_processes=16)
    result = _run_with_canary("blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n", limits)
    assert result.status == "killed" and "memory limit" in result.reason


def test_writing_outside_the_work_dir_does_not_touch_the_host(tmp_path: Path) -> None:
    host_file = tmp_path / "host.txt"
    host_file.write_text("original")
    repo_file = Path(__file__)
    repo_text = repo_file.read_text()
    program = (
        "import os\n"
        "errors = []\n"
        f"for path in [{str(host_file)!r}, {str(repo_file)!r}, '/etc/mammoth-pwned', '../escape.txt']:\n"
        "    try:\n"
        "        open(path, 'w').write('pwned')\n"
        "        errors.append('wrote ' + path)\n"
        "    except OSError as error:\n"
        "        errors.append(type(error).__name__)\n"
        "print(errors)\n"
    )
    result = _run_with_canary(program)
    assert result.status == "ok", result.stderr
    assert host_file.read_text() == "original"
    assert repo_file.read_text() == repo_text
    assert not Path("/etc/mammoth-pwned").exists()
    assert f"wrote {repo_file}" not in result.stdout and "wrote /etc" not in result.stdout


def test_secrets_in_the_environment_are_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-do-not-leak")
    monkeypatch.setenv("HF_TOKEN", "hf-do-not-leak")
    program = "import os\nprint(dict(os.environ))\nprint(open('/proc/1/environ', 'rb').read())\n"
    result = _run_with_canary(program)
    assert "do-not-leak" not in result.stdout + result.stderr
    assert os.environ["OPENAI_API_KEY"] == "sk-do-not-leak"


def test_socket_cannot_reach_the_host() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    program = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        "s.sendall(b'exfiltrated')\n"
        "print('connected')\n"
    )
    try:
        result = _run_with_canary(program)
    finally:
        stop.set()
        thread.join(2)
        server.close()
    assert result.status == "error", result
    assert "connected" not in result.stdout
    assert accepted == []


def test_printing_gigabytes_is_cut_off() -> None:
    result = _run_with_canary("import sys\nchunk = 'x' * 65536\nwhile True:\n    sys.stdout.write(chunk)\n")
    assert result.status == "killed" and "output limit" in result.reason
    assert result.stdout_truncated
    assert len(result.stdout.encode()) <= LIMITS.max_output_bytes


def test_killing_the_parent_fails() -> None:
    host_pid = os.getpid()
    program = (
        "import os, signal\n"
        "outcomes = []\n"
        f"for pid in (os.getppid(), {host_pid}, 1):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "        outcomes.append('sent')\n"
        "    except OSError as error:\n"
        "        outcomes.append(type(error).__name__)\n"
        "print(outcomes)\n"
    )
    result = _run_with_canary(program)
    assert os.getpid() == host_pid  # we are still here
    os.kill(host_pid, 0)
    assert result.status in ("ok", "killed", "error")
    assert result.status != "timeout"


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


def test_guard_mode_refuses_network_processes_and_outside_writes(tmp_path: Path) -> None:
    """Without namespaces the audit guard is the last line of defence; check it on its own."""
    limits = SandboxLimits(timeout_s=3.0, isolation="none")
    assert available_isolation("none") == "none"
    host_file = tmp_path / "host.txt"
    host_file.write_text("original")
    programs = [
        "import socket\nsocket.socket()\n",
        "import os\nos.fork()\n",
        "import subprocess\nsubprocess.run(['true'])\n",
        f"open({str(host_file)!r}, 'w').write('pwned')\n",
        f"import os\nos.kill({os.getpid()}, 9)\n",
        "open('inside.txt', 'w').write('fine')\nprint('ok')\n",
    ]
    results = run_programs(programs, workers=2, limits=limits)
    assert [r.status for r in results] == ["error"] * 5 + ["ok"]
    assert all("PermissionError: sandbox:" in r.reason for r in results[:5])
    assert host_file.read_text() == "original"


@pytest.mark.skipif(os.geteuid() != 0, reason="uid switching (and root-only files) need a root host")
def test_root_only_files_are_unreadable() -> None:
    """Programs run as an unprivileged uid: a 0600 root file readable by the host is not theirs."""
    secret = Path("/var/tmp") / f"mammoth-secret-{os.getpid()}"
    secret.write_text("s3cret-token")
    secret.chmod(0o600)
    try:
        program = f"import os\nprint(os.getuid())\nprint(open({str(secret)!r}).read())\n"
        result = _run_with_canary(program)
    finally:
        secret.unlink()
    assert result.status == "error" and "PermissionError" in result.reason
    assert "s3cret-token" not in result.stdout + result.stderr
    assert result.stdout.split()[0] != "0"  # not root inside
