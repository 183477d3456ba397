"""A real misbehaving HTTP server for the openai-backend tests.

It listens on 127.0.0.1, parses each HTTP/1.1 request, and answers the first requests according
to a plan: "500" (an internal server error), "429" (rate limited, with `Retry-After: 0.05`;
"429:1.5" says 1.5 s), "401echo" (unauthorized, with a body that echoes the request's headers,
Authorization included, as some proxies do), "hang" (never answers; the client must time out),
"drop" (closes the TCP connection without a reply).
Requests past the plan (or with action "forward") are forwarded to an upstream server: the real
OpenAI-compatible server over the tiny model.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx


class FaultyServer:
    def __init__(self, upstream: str | None, plan: list[str], default: str = "forward"):
        self.upstream = upstream  # e.g. "http://127.0.0.1:8123"
        self.plan = list(plan)
        self.default = default
        self.requests_seen = 0
        self.actions: list[str] = []
        self.headers_seen: list[dict[str, str]] = []
        self.bodies_seen: list[dict] = []
        self.times_seen: list[float] = []  # monotonic arrival time of each request
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FaultyServer":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("faulty server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        self._thread.join(timeout=5)

    async def _shutdown(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._client.aclose()
        asyncio.get_running_loop().stop()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._client = httpx.AsyncClient(timeout=120)
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    def _next_action(self) -> str:
        index = self.requests_seen
        self.requests_seen += 1
        action = self.plan[index] if index < len(self.plan) else self.default
        self.actions.append(action)
        return action

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.headers_seen.append(headers)
                self.times_seen.append(time.monotonic())
                try:
                    self.bodies_seen.append(json.loads(body or b"{}"))
                except ValueError:
                    self.bodies_seen.append({})
                action = self._next_action()
                if action == "drop":
                    writer.transport.abort()
                    return
                if action == "hang":
                    await asyncio.sleep(3600)
                    return
                if action == "500" or action.startswith("429") or action == "401echo":
                    payload = b'{"error":{"message":"injected failure"}}'
                    extra = ""
                    status = "500 Internal Server Error"
                    if action.startswith("429"):
                        extra = f"Retry-After: {action.partition(':')[2] or '0.05'}\r\n"
                        status = "429 Too Many Requests"
                    if action == "401echo":
                        status = "401 Unauthorized"
                        payload = json.dumps({"error": {"message": "invalid credentials", "request_headers": headers}}).encode()
                    writer.write(
                        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
                        f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
                    )
                    await writer.drain()
                    continue
                if self.upstream is None:
                    raise RuntimeError("no upstream to forward to")
                reply = await self._client.request(
                    method, self.upstream + path, content=body, headers={"content-type": "application/json"}
                )
                writer.write(
                    f"HTTP/1.1 {reply.status_code} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(reply.content)}\r\n\r\n".encode() + reply.content
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.transport.abort()


def wait_until(condition, timeout_s: float = 30.0, interval_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return False
