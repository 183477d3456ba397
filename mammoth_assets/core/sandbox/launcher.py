"""The step side of the clean launcher (`_launcher.py`): one launcher per host process, started
lazily with an empty environment, shared by every thread; restarted if it dies or after a fork."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

from mammoth_assets.core.sandbox._launcher import STATUS_FD_TOKEN

_SOURCE = (Path(__file__).parent / "_launcher.py").read_text()
_DIED = {"died": True}

__all__ = ["STATUS_FD_TOKEN", "LauncherDied", "Run", "launcher"]


class LauncherDied(RuntimeError):
    """The launcher exited while a run was in flight (a program killed it, or it crashed)."""


class Run:
    """One spawned command: its pid once started, its exit code once reaped."""

    def __init__(self, client: "_Launcher", run_id: int) -> None:
        self._client = client
        self.id = run_id
        self.messages: "queue.SimpleQueue[dict]" = queue.SimpleQueue()
        self.pid: int | None = None
        self.exit_code: int | None = None
        self.error: str | None = None

    def started(self) -> bool:
        """Wait for the launcher's answer to the spawn; False (and `error`) if it failed."""
        try:
            message = self.messages.get(timeout=60)
        except queue.Empty:
            message = {"error": "the sandbox launcher did not answer within 60 s"}
        if "pid" in message:
            self.pid = message["pid"]
            return True
        self.error = message.get("error") or "the sandbox launcher died before starting the program"
        self._client.forget(self.id)
        return False

    def kill(self) -> None:
        self._client.send({"op": "kill", "id": self.id})

    def wait(self, timeout: float | None = None) -> int:
        """The exit code (negative: killed by that signal); raises LauncherDied or queue.Empty."""
        message = self.messages.get(timeout=timeout)
        self._client.forget(self.id)
        if "exit" not in message:
            self._kill_orphaned_group()
            raise LauncherDied("the sandbox launcher died while the program ran")
        self.exit_code = message["exit"]
        return self.exit_code

    def _kill_orphaned_group(self) -> None:
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass


class _Launcher:
    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _SOURCE, str(theirs.fileno())],
            env={}, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True, close_fds=True,
        )
        theirs.close()
        self.process.wait()  # the first process exits at once; the launcher itself is detached
        self._pid: int | None = None  # the detached launcher's, from its first message
        self._hello = threading.Event()
        self.owner = os.getpid()
        self.socket = ours
        self.alive = True
        self._runs: dict[int, Run] = {}
        self._next_id = 0
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        threading.Thread(target=self._read, name="sandbox-launcher", daemon=True).start()

    @property
    def pid(self) -> int | None:
        """The launcher's pid (None if it died before saying hello)."""
        self._hello.wait(10)
        return self._pid

    def spawn(self, argv: Sequence[str], cwd: str, env: dict[str, str], fds: Sequence[int]) -> Run:
        """Ask the launcher to start `argv` with fds as stdin, stdout, stderr and the status fd."""
        with self._lock:
            self._next_id += 1
            run = Run(self, self._next_id)
            self._runs[run.id] = run
            alive = self.alive
        if not alive:
            run.messages.put(_DIED)
            return run
        message = {"op": "spawn", "id": run.id, "argv": list(argv), "cwd": cwd, "env": env}
        try:
            with self._send_lock:
                socket.send_fds(self.socket, [json.dumps(message).encode()], list(fds))
        except OSError:
            self._died()
        return run

    def send(self, message: dict) -> None:
        try:
            with self._send_lock:
                self.socket.send(json.dumps(message).encode())
        except OSError:
            self._died()

    def forget(self, run_id: int) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def _read(self) -> None:
        while True:
            try:
                data = self.socket.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self._died()
                return
            message = json.loads(data)
            if "launcher" in message:
                self._pid = message["launcher"]
                self._hello.set()
                continue
            with self._lock:
                run = self._runs.get(message["id"])
            if run is not None:
                run.messages.put(message)

    def _died(self) -> None:
        with self._lock:
            if not self.alive:
                return
            self.alive = False
            runs = list(self._runs.values())
        self._hello.set()
        for run in runs:
            run.messages.put(_DIED)
        try:
            self.socket.close()
        except OSError:
            pass

    def close(self) -> None:
        """End the launcher (it kills whatever still runs)."""
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._died()


_current: _Launcher | None = None
_current_lock = threading.Lock()


def launcher() -> _Launcher:
    """This process's launcher, started on first use and again after it died or a fork."""
    global _current
    with _current_lock:
        if _current is None or not _current.alive or _current.owner != os.getpid():
            _current = _Launcher()
        return _current
