"""A real HTTP server on 127.0.0.1 serving a directory, with Range support and injectable faults:
dropped connections mid-file, transient 503s, servers that ignore Range. Used by the crawl tests."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator


@dataclass
class Faults:
    drop_first: int = 0  # the first N body responses per path stop after `drop_fraction` of the bytes
    drop_fraction: float = 0.4
    unavailable_first: int = 0  # the first N requests per path get 503
    retry_after: str | None = None  # Retry-After header sent with those 503s
    forbidden: set[str] = field(default_factory=set)  # paths answered with 403
    ignore_range: bool = False
    truncate_to: dict[str, int] = field(default_factory=dict)  # path -> serve only this many bytes, always
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    _seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> int:
        with self._lock:
            self._seen[path] = self._seen.get(path, 0) + 1
            return self._seen[path]


def _handler(root: Path, faults: Faults) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            path = self.path.split("?", 1)[0].lstrip("/")
            faults.requests.append((path, self.headers.get("Range")))
            nth = faults.count(path)
            file = (root / path).resolve()
            if not file.is_file() or root.resolve() not in file.parents:
                self.send_error(404)
                return
            if path in faults.forbidden:
                self.send_error(403)
                return
            if nth <= faults.unavailable_first:
                self.send_response(503)
                if faults.retry_after:
                    self.send_header("Retry-After", faults.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = file.read_bytes()
            if path in faults.truncate_to:
                data = data[: faults.truncate_to[path]]
            start = 0
            range_header = self.headers.get("Range")
            if range_header and not faults.ignore_range:
                start = int(range_header.split("=", 1)[1].split("-", 1)[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if nth <= faults.drop_first + faults.unavailable_first and len(body) > 10:
                self.wfile.write(body[: int(len(body) * faults.drop_fraction)])
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)
                return
            self.wfile.write(body)

    return Handler


@contextlib.contextmanager
def serve(root: Path, faults: Faults | None = None) -> Iterator[tuple[str, Faults]]:
    """Serve `root` at http://127.0.0.1:<port>/ for the duration of the block."""
    faults = faults or Faults()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Path(root), faults))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", faults
    finally:
        server.shutdown()
        server.server_close()
