"""What a sandboxed run may use (`SandboxLimits`) and what came back (`ExecutionResult`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

STATUSES = ("ok", "error", "timeout", "killed")
# auto: bwrap; as root without a working bwrap, refuse (never a silent downgrade)
ISOLATIONS = ("auto", "bwrap", "unshare", "none")


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 5.0  # wall clock, from the host (MAmmoTH: programs run with a 5 s timeout)
    cpu_s: int | None = None  # RLIMIT_CPU; default: ceil(timeout_s) + 1
    memory_mb: int = 2048  # RLIMIT_AS (virtual address space) per process
    max_processes: int = 32  # RLIMIT_NPROC (threads count too) per parallel slot
    max_file_mb: int = 16  # RLIMIT_FSIZE: largest file a program may write
    max_open_files: int = 256  # RLIMIT_NOFILE
    max_output_bytes: int = 1 << 20  # per stream; beyond it the program is killed
    tmpfs_mb: int = 64  # size of the work dir (a private tmpfs) under bwrap
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
    exit_code: int | None  # the program's own: negative = killed by that signal
    reason: str | None  # why it failed: exception line, "memory limit", "output limit", ...
    duration_s: float
    isolation: str  # the mode it ran under: bwrap | unshare | none
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    cpu_s: float | None = None  # CPU seconds the program used (its reaped children included)

    @property
    def ok(self) -> bool:
        return self.status == "ok"
