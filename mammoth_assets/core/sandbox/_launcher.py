"""The clean launcher, run as `python -I -S -c <this text> CONTROL_FD` with an EMPTY environment.

Every sandboxed program is started by this process, never by the step process that holds API keys
in its environment: a program that reads `/proc/<ppid>/environ` finds this launcher's (empty) one.
It detaches from the step (double fork), so walking further up the chain does not reach the step
either. It is a child subreaper, so a program's escaped descendants land here and are killed.

Protocol over a SOCK_SEQPACKET unix socket, one JSON object per message:
- in:  {"op": "spawn", "id": N, "argv": [...], "cwd": ..., "env": {...}} with 4 fds attached
       (stdin, stdout, stderr, status; "@STATUS_FD@" in argv becomes the status fd's number);
       {"op": "kill", "id": N}: SIGKILL the run's process group.
- out: {"id": 0, "launcher": PID} first; {"id": N, "pid": P} or {"id": N, "error": "..."} after a
       spawn; {"id": N, "exit": CODE} when the run's process ended (its process group is killed
       before it is reaped).
End of input (the step died or closed the socket): kill everything, exit.
"""

import ctypes
import json
import os
import selectors
import signal
import socket
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36
STATUS_FD_TOKEN = "@STATUS_FD@"


def send(control, message):
    try:
        control.send(json.dumps(message).encode())
    except OSError:
        pass  # the step is gone; end of input follows


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def spawn(request, fds):
    stdin, stdout, stderr, status = fds
    argv = [str(status) if a == STATUS_FD_TOKEN else a for a in request["argv"]]
    try:
        return subprocess.Popen(
            argv, stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=(status,),
            cwd=request.get("cwd") or "/", env=request.get("env") or {}, process_group=0,
            close_fds=True,
        )
    finally:
        for fd in fds:
            os.close(fd)


def kill_orphans(running):
    """Children this launcher did not start were reparented here: kill and reap them."""
    known = {process.pid for process, _ in running.values()}
    try:
        with open(f"/proc/self/task/{os.getpid()}/children") as handle:
            orphans = [int(pid) for pid in handle.read().split() if int(pid) not in known]
    except OSError:
        return
    for pid in orphans:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def main():
    if os.fork():  # the step reaps this first process at once; the launcher lives on, detached
        os._exit(0)
    control = socket.socket(fileno=int(sys.argv[1]))
    send(control, {"id": 0, "launcher": os.getpid()})
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ, None)
    running = {}  # run id -> (Popen, pidfd)
    while True:
        for key, _ in selector.select(timeout=0.5):
            if key.data is not None:  # a run's process ended (it is a zombie until reaped here)
                run_id = key.data
                process, pidfd = running.pop(run_id)
                selector.unregister(pidfd)
                os.close(pidfd)
                kill_group(process.pid)  # stragglers in its group, while the group id is still ours
                _, status, _ = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                send(control, {"id": run_id, "exit": process.returncode})
                continue
            try:
                data, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
            except OSError:
                data, fds = b"", []
            if not data:  # the step is gone
                for process, _ in running.values():
                    kill_group(process.pid)
                kill_orphans({})
                os._exit(0)
            request = json.loads(data)
            if request["op"] == "kill":
                if request["id"] in running:
                    kill_group(running[request["id"]][0].pid)
                continue
            try:
                process = spawn(request, fds)
            except (OSError, ValueError, subprocess.SubprocessError) as error:
                send(control, {"id": request["id"], "error": f"{type(error).__name__}: {error}"})
                continue
            pidfd = os.pidfd_open(process.pid)
            running[request["id"]] = (process, pidfd)
            selector.register(pidfd, selectors.EVENT_READ, request["id"])
            send(control, {"id": request["id"], "pid": process.pid})
        kill_orphans(running)


if __name__ == "__main__":
    main()
