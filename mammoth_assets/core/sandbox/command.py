"""The command line that runs one program under an `Isolation`: bwrap arguments, the bootstrap's
arguments (uid, limits, Landlock rules), the minimal environment."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from mammoth_assets.core.sandbox.isolation import BOOTSTRAP_DIR, Isolation, interpreter_paths, site_packages
from mammoth_assets.core.sandbox.launcher import STATUS_FD_TOKEN
from mammoth_assets.core.sandbox.limits import SandboxLimits

# Import the bootstrap rather than pass its text with -c: its cached .pyc saves a compile per
# program (~4 ms CPU); its directory leaves sys.path before the program runs.
BOOTSTRAP = (f"import sys; sys.path.insert(0, {str(BOOTSTRAP_DIR)!r}); import _inside; "
             "del sys.path[0]; _inside.main()")
WORKDIR_IN_BWRAP = "/tmp/work"  # the program's cwd under bwrap, on the private tmpfs
# read-only for programs under Landlock (besides the interpreter and its site-packages)
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
                     "/etc/ld.so.cache", "/etc/localtime", "/sys/devices/system/cpu")
READABLE_DEVICES = ("/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")


def minimal_env(workdir: str) -> dict[str, str]:
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


def rlimits(limits: SandboxLimits) -> dict[str, tuple[int, int]]:
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


@functools.lru_cache(maxsize=None)
def _landlock_rules(abi: int) -> tuple[int, int, int, tuple[tuple[int, str], ...]]:
    """Handled rights (fs, net, scope) for this kernel and the fixed read/device rules."""
    from landlockpy import AccessFS, AccessNet, fs_for_abi, net_for_abi, scope_for_abi

    handled_fs = fs_for_abi(abi)
    handled_net = net_for_abi(abi) & (AccessNet.BIND_TCP | AccessNet.CONNECT_TCP)
    file_rights = (AccessFS.EXECUTE | AccessFS.READ_FILE | AccessFS.WRITE_FILE | AccessFS.TRUNCATE
                   | AccessFS.IOCTL_DEV) & handled_fs
    read = (AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.EXECUTE) & handled_fs
    paths = {*SYSTEM_READ_PATHS, *map(str, interpreter_paths()), *site_packages()}
    rules: list[tuple[int, str]] = []
    for path in sorted(paths):
        if os.path.exists(path):  # a rule on a file may only carry file rights
            rules.append((int(read if os.path.isdir(path) else read & file_rights), path))
    rules += [(int(AccessFS.READ_FILE & handled_fs), device) for device in READABLE_DEVICES]
    rules.append((int((AccessFS.READ_FILE | AccessFS.WRITE_FILE | AccessFS.TRUNCATE) & handled_fs),
                  os.devnull))
    return int(handled_fs), int(handled_net), int(scope_for_abi(abi)), tuple(rules)


def landlock_spec(abi: int, workdir: str) -> str:
    """The bootstrap's Landlock argument: every handled right in the work dir, read elsewhere."""
    if abi <= 0:
        return "-"
    handled_fs, handled_net, scoped, rules = _landlock_rules(abi)
    entries = [f"{handled_fs},{handled_net},{scoped}", f"{handled_fs} {workdir}"]
    entries += [f"{rights} {path}" for rights, path in rules]
    return "\x1f".join(entries)


@functools.lru_cache(maxsize=None)
def _tmp_rebinds() -> tuple[str, ...]:
    """bwrap arguments that bind interpreter paths living under /tmp (a checkout or venv there)
    back over the private /tmp, where they would otherwise vanish."""
    tmp = Path("/tmp")
    paths = {Path(os.path.realpath(p)) for p in (*interpreter_paths(), *site_packages(), BOOTSTRAP_DIR)}
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


def bwrap_prefix(isolation: Isolation, limits: SandboxLimits, uid: int | None) -> list[str]:
    assert isolation.bwrap is not None
    command = [
        isolation.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
        "--perms", "1777", "--size", str(limits.tmpfs_mb << 20), "--tmpfs", "/tmp",
        *_tmp_rebinds(), *isolation.uid_binds,
        "--perms", "0777", "--dir", WORKDIR_IN_BWRAP, "--chdir", WORKDIR_IN_BWRAP,
    ]
    if uid is not None:  # the bootstrap drops to `uid`; bwrap must let it
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return command + ["--"]


def unshare_prefix(isolation: Isolation) -> list[str]:
    assert isolation.unshare is not None
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    return [isolation.unshare, *user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--"]


def program_workdir(isolation: Isolation, host_workdir: str | None) -> str:
    """The work dir as the program sees it."""
    return WORKDIR_IN_BWRAP if isolation.mode == "bwrap" else str(host_workdir)


def command(isolation: Isolation, limits: SandboxLimits, nonce: str, uid: int | None,
            workdir: str) -> list[str]:
    """The argv that runs the bootstrap (the status fd stays a token the launcher fills in)."""
    # Plain-string arguments: the bootstrap imports nothing beyond os/sys/resource/ctypes (json
    # alone costs more than the interpreter start on a busy machine).
    arguments = [
        nonce, "-" if uid is None else str(uid), "1" if isolation.guard else "0",
        ",".join(f"{name}:{soft}:{hard}" for name, (soft, hard) in rlimits(limits).items()),
        os.pathsep.join(site_packages()), landlock_spec(isolation.landlock_abi, workdir), STATUS_FD_TOKEN,
    ]
    # -S: no `site` import. It runs every .pth file in the venv (editable installs, coloredlogs...)
    # and costs ~4x the bare interpreter start; the bootstrap adds site-packages to sys.path itself.
    python = [sys.executable, "-I", "-S", "-c", BOOTSTRAP, *arguments]
    if isolation.mode == "bwrap":
        return bwrap_prefix(isolation, limits, uid) + python
    if isolation.mode == "unshare":
        return unshare_prefix(isolation) + python
    return python
