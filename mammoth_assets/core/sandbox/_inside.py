"""The bootstrap that runs inside the sandbox: `python -I -S -c "<import this; main()>" ARGS`.

Imported by path (its directory is made visible inside bwrap and leaves sys.path at once); the host
imports it only for its constants. Only os, sys, resource and ctypes are imported: anything heavier
costs more than the interpreter start, once per program.

The process splits in two:
- the **supervisor** (this process) reads the program from stdin, becomes a child subreaper, forks,
  waits for the program with `wait4`, writes `<exit code> <cpu seconds>` on the status fd, then
  kills and reaps whatever the program left behind (double-forked daemons included) and exits;
- the **program** closes the status fd, confines itself (Landlock, then the unprivileged uid, then
  the resource limits, then the audit guard), and runs the program text as `__main__`.

ARGS: nonce, uid ("-" = keep), guard ("1" = audit guard on), rlimits ("NAME:soft:hard,..."),
site-packages (os.pathsep-joined), Landlock spec ("-" = none; see `landlock_spec()`), status fd.
"""

import os
import sys

MEMORY_EXIT = 86  # the program's exit status after a MemoryError
CONFINE_EXIT = 87  # the program could not confine itself: it never ran
ANSWER_VARIABLES = ("ans", "answer", "result")
MAX_VARIABLE_CHARS = 10_000
SIGKILL = 9  # not signal.SIGKILL: `import signal` pulls in enum, ~3 ms per program
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_RULE_PATH_BENEATH = 1

# Landlock through three raw syscalls rather than the landlockpy package (which the host side uses
# for the ABI tables): importing landlockpy costs ~30 ms (ctypes.util, dataclasses, inspect and a
# `ldconfig -p` subprocess), several times the interpreter start, paid once per program.


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return ctypes, libc


def _check(ctypes, result, what):
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
    return result


def apply_landlock(spec):
    """Deny every handled filesystem right outside the granted paths, TCP bind/connect and signals
    to processes outside this domain (what the kernel's ABI supports; the host decided the masks)."""
    ctypes, libc = _libc()
    header, *rules = spec.split("\x1f")
    handled_fs, handled_net, scoped = (int(x) for x in header.split(","))

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    attr = RulesetAttr(handled_fs, handled_net, scoped)
    ruleset = _check(ctypes, libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr),
                                          ctypes.sizeof(attr), 0), "landlock_create_ruleset")
    for rule in rules:
        allowed, path = rule.split(" ", 1)
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue  # a path that does not exist here grants nothing
        try:
            beneath = PathBeneath(int(allowed), fd)
            _check(ctypes, libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                                        ctypes.byref(beneath), 0), f"landlock_add_rule {path}")
        finally:
            os.close(fd)
    _check(ctypes, libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    _check(ctypes, libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0), "landlock_restrict_self")
    os.close(ruleset)


def drop_to(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def set_limits(rlimits):
    import resource

    for limit in rlimits.split(","):
        name, soft, hard = limit.split(":")
        resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))


def install_guard():
    """The in-process guard for isolations without namespaces (a last line: C code can bypass an
    audit hook, which is why Landlock and the uid sit under it). Refuses sockets, process creation,
    foreign calls, signals to other processes, and any filesystem change outside the work dir."""
    workdir = os.path.realpath(os.getcwd())
    realpath, fsdecode = os.path.realpath, os.fsdecode
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    refused = {
        "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "os.fork",
        "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "os.exec", "subprocess.Popen",
        "pty.spawn", "ctypes.dlopen", "ctypes.dlsym", "ctypes.cdata", "ctypes.call_function",
        "os.setxattr", "os.removexattr", "os.chflags", "os.lockf",
    }
    # _posixsubprocess.fork_exec creates processes without an audit event: replace it (subprocess
    # itself must stay importable, sympy imports it), and refuse loading a fresh copy
    import _posixsubprocess

    def refuse_fork_exec(*args, **kwargs):
        raise PermissionError("sandbox: _posixsubprocess.fork_exec is not allowed")

    _posixsubprocess.fork_exec = refuse_fork_exec
    refused_imports = {"_posixsubprocess", "_xxsubinterpreters", "_testcapi", "_testinternalcapi"}
    # event -> (position of a changed path, position of its dir_fd or None), per changed path
    changes = {
        "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),),
        "os.rename": ((0, 2), (1, 3)), "os.link": ((1, 3),), "os.symlink": ((1, 2),),
        "os.chmod": ((0, 2),), "os.chown": ((0, 3),), "os.utime": ((0, 3),), "os.truncate": ((0, None),),
    }

    def place(path, dir_fd=None):
        """Where a path (or an open fd, or a path relative to dir_fd) really is; None: unknown."""
        try:
            if isinstance(path, int):
                return os.readlink(f"/proc/self/fd/{path}")
            path = fsdecode(path)
            if dir_fd not in (None, -1) and not os.path.isabs(path):  # -1: no dir_fd given
                path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
            return realpath(path)
        except (OSError, TypeError, ValueError):
            return None

    def outside(path, dir_fd=None):
        resolved = place(path, dir_fd)
        return resolved is None or (resolved != workdir and not resolved.startswith(workdir + os.sep))

    def guard(event, args, _pid=os.getpid()):
        if event in refused:
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event == "import" and args[0] in refused_imports:
            raise PermissionError(f"sandbox: importing {args[0]} is not allowed")
        if event in ("os.kill", "os.killpg", "signal.pthread_kill") and args[0] not in (0, _pid):
            raise PermissionError("sandbox: signalling other processes is not allowed")
        if event == "open" and isinstance(args[0], (str, bytes)):
            mode, flags = args[1] or "", args[2] or 0
            if (any(c in mode for c in "wax+") or flags & write_flags) and outside(args[0]):
                if realpath(fsdecode(args[0])) != os.devnull:
                    raise PermissionError(f"sandbox: writing outside the work dir: {fsdecode(args[0])}")
        elif event in changes:
            for path_at, dir_fd_at in changes[event]:
                dir_fd = args[dir_fd_at] if dir_fd_at is not None and dir_fd_at < len(args) else None
                if outside(args[path_at], dir_fd):
                    raise PermissionError(f"sandbox: {event} outside the work dir: {args[path_at]!r}")

    sys.addaudithook(guard)


def run_program(source, nonce, site_paths):
    import builtins

    sys.path.extend(p for p in site_paths.split(os.pathsep) if p)
    sys.argv = ["program.py"]
    namespace = {"__name__": "__main__", "__builtins__": builtins, "__file__": "program.py"}
    try:
        exec(compile(source, "program.py", "exec"), namespace)
    except MemoryError:
        os.write(2, b"MemoryError\n")
        os._exit(MEMORY_EXIT)
    # SystemExit and other exceptions propagate: the interpreter prints them and sets the status
    for name in ANSWER_VARIABLES:
        if name in namespace:
            try:
                value = str(namespace[name])[:MAX_VARIABLE_CHARS]
            except BaseException:
                break
            sys.stdout.flush()
            sys.stderr.write("\n" + nonce + value + "\n")
            break
    exit_quickly()


def exit_quickly():
    """What interpreter shutdown does that a program can see (join its threads, run its atexit
    hooks, flush), without tearing down every module, which costs ~2 ms per program."""
    if "threading" in sys.modules:
        sys.modules["threading"]._shutdown()
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def children():
    """Direct children of this process (orphans of the program are reparented here)."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as handle:
            return [int(pid) for pid in handle.read().split()]
    except OSError:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        if int(handle.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                            found.append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
        return found


def supervise(program_pid, status_fd):
    _, status, usage = os.wait4(program_pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    os.write(status_fd, f"{os.waitstatus_to_exitcode(status)} {cpu:.3f}\n".encode())
    os.close(status_fd)
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = children()
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
    os._exit(0)


def main():
    nonce, uid, guard_on, rlimits, site_paths, landlock, status_fd = sys.argv[1:8]
    status_fd = int(status_fd)
    source = sys.stdin.buffer.read()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull)
    ctypes, libc = _libc()
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    del ctypes, libc
    pid = os.fork()
    if pid:
        supervise(pid, status_fd)
    os.close(status_fd)
    try:
        if landlock != "-":
            apply_landlock(landlock)
        if uid != "-":
            drop_to(int(uid))
        set_limits(rlimits)
        if guard_on == "1":
            install_guard()
    except BaseException as error:
        os.write(2, f"sandbox: cannot confine the program: {error}\n".encode())
        os._exit(CONFINE_EXIT)
    run_program(source, nonce, site_paths)


if __name__ == "__main__":
    main()
