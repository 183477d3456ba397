"""Per-run staging directories and the sweep of stale ones.

Stages stream their output into Parquet files under a staging directory and swap them into the
warehouse at the end. Every run (every process of a run) gets its own directory
`<root>/<run token>/...`, so two runs of the same partition never touch each other's files; the
later swap wins because swaps are atomic transactions.

A run's directory holds a lock file that the owning process keeps locked (`flock`) for as long as
it lives; the kernel drops the lock when the process dies, however it dies. At start (the first
staging request of a process) every directory whose lock can be taken is stale and removed, and so
is anything without a lock (older layouts, a crash between mkdir and lock) or owned by another
host once it is older than `stale_after_s`. A live run's directory is never removed.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

LOCK_FILE = ".owner.lock"
OWNER_FILE = "owner.json"
DEFAULT_STALE_AFTER_S = 24 * 3600.0

_LOCK = threading.Lock()
_MINE: dict[tuple[Path, str], tuple[Path, int]] = {}  # (root, run token) -> (directory, lock fd)
_SWEPT: set[tuple[int, Path]] = set()


def run_token(run_id: str | None) -> str:
    label = re.sub(r"[^A-Za-z0-9]", "", run_id or "")[:12] or "local"
    return f"run-{label}-p{os.getpid()}"


def run_dir(root: Path, run_id: str | None, stale_after_s: float = DEFAULT_STALE_AFTER_S) -> Path:
    """This process's staging directory for `run_id` under `root`, created and locked on first use
    (sweeping stale directories of dead runs first)."""
    root = Path(root).resolve()
    token = run_token(run_id)
    with _LOCK:
        mine = _MINE.get((root, token))
        if mine is not None and mine[0].exists():
            return mine[0]
        root.mkdir(parents=True, exist_ok=True)
        if (os.getpid(), root) not in _SWEPT:
            _SWEPT.add((os.getpid(), root))
            sweep(root, stale_after_s)
        directory, fd = _claim(root, token, run_id)
        _MINE[(root, token)] = (directory, fd)
        return directory


def _claim(root: Path, token: str, run_id: str | None) -> tuple[Path, int]:
    """Create `<root>/<token>` with its lock already held: built under a hidden name, locked, then
    renamed into place, so a sweeper never sees it unlocked."""
    final = root / token
    if final.exists():  # this pid's earlier directory (pid reuse after a crash, or a sweep raced)
        shutil.rmtree(final, ignore_errors=True)
    building = root / f".{token}.{uuid.uuid4().hex[:8]}"
    building.mkdir()
    fd = os.open(building / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    owner = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    (building / OWNER_FILE).write_text(json.dumps(owner))
    os.rename(building, final)
    return final, fd


def release(root: Path, run_id: str | None) -> None:
    """Remove this process's directory for `run_id` (its staged files lived for one swap)."""
    root = Path(root).resolve()
    with _LOCK:
        mine = _MINE.pop((root, run_token(run_id)), None)
    if mine is not None:
        shutil.rmtree(mine[0], ignore_errors=True)
        os.close(mine[1])


@atexit.register
def _release_all() -> None:
    for root, token in list(_MINE):
        directory, fd = _MINE.pop((root, token))
        shutil.rmtree(directory, ignore_errors=True)
        os.close(fd)


def owner_is_dead(directory: Path) -> bool | None:
    """True when no process holds the directory's lock, False when one does, None without a lock."""
    lock = directory / LOCK_FILE
    if not lock.exists():
        return None
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    os.close(fd)  # closing drops the probe's lock again
    return True


def _owner_host(directory: Path) -> str | None:
    try:
        return json.loads((directory / OWNER_FILE).read_text()).get("host")
    except (OSError, ValueError):
        return None


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def sweep(root: Path, stale_after_s: float = DEFAULT_STALE_AFTER_S) -> list[Path]:
    """Remove stale staging under `root`; returns what was removed."""
    removed = []
    root = Path(root)
    if not root.exists():
        return removed
    here = socket.gethostname()
    for entry in root.iterdir():
        if not entry.is_dir() or entry.is_symlink():
            continue
        if any(entry == mine[0] for mine in _MINE.values()):
            continue
        dead = owner_is_dead(entry)
        foreign = dead is not None and _owner_host(entry) not in (None, here)
        if foreign:  # flock says nothing about another host's processes: only age counts
            stale = _age_s(entry) > stale_after_s
        else:
            stale = dead is True or (dead is None and _age_s(entry) > stale_after_s)
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed
