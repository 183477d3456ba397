"""The request cache: every answer the layer ever got, keyed by what determines it.

The key is a hash of exactly (model id, messages or prompt, sampling parameters, JSON schema,
regex, prompt version). Nothing else enters it: not the request id, the stage, batch sizes,
partitions or paths, so re-materialising an unchanged stage answers everything from the cache.

The cache lives in its own DuckDB file, `llm_cache.duckdb` beside the warehouse, not inside the
warehouse: LLM stages commit answers every few seconds for hours, and a separate file means those
small commits never take the warehouse's single-writer lock away from table writers (and vice
versa). Answers are committed as they complete (each group the backend hands back is one short
transaction), so a run killed at 90% re-sends only what was in flight. Failed requests are stored
with their error (secrets redacted) and are sent again on the next run; a success replaces them.
`llm_calls` keeps one row per `generate` call (stage, requests, cache hits, backend requests,
tokens), which is how a test shows that re-materialising made zero backend calls.

`llm_claims` holds short leases on requests being answered right now, so two runs (two processes)
that ask the same uncached request at once pay for it once: the second waits for the first's
answer. A lease is renewed while its owner works and lapses when it stops (at once when the
owner's process is gone on this host, otherwise after `lease_s`), so a killed run never blocks
the others; a request whose owner died is paid at most twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import socket
import threading
from pathlib import Path
from typing import Any, Iterable, Sequence

import polars as pl

from mammoth_assets import paths
from mammoth_assets.llm.redact import redact
from mammoth_assets.llm.types import LLMRequest, LLMResponse
from mammoth_assets.warehouse import Warehouse

CACHE_FILE_NAME = "llm_cache.duckdb"


def default_cache_path() -> Path:
    return paths.warehouse_path().parent / CACHE_FILE_NAME


def key_fields(request: LLMRequest, model_id: str) -> dict[str, Any]:
    """The only inputs of the cache key."""
    return {
        "model_id": model_id,
        "messages": request.messages,
        "prompt": request.prompt if request.messages is None else None,
        "sampling": dataclasses.asdict(request.sampling),
        "json_schema": request.json_schema,
        "regex": request.regex,
        "prompt_version": request.prompt_version,
    }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=list)


def cache_key(request: LLMRequest, model_id: str) -> str:
    fields = key_fields(request, model_id)
    fields["sampling"]["stop"] = list(fields["sampling"]["stop"])
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


CACHE_SCHEMA = {
    "cache_key": pl.String,
    "model_id": pl.String,
    "prompt_version": pl.String,
    "stage": pl.String,
    "request_json": pl.String,
    "text": pl.String,
    "parsed_json": pl.String,
    "finish_reason": pl.String,
    "prompt_tokens": pl.Int64,
    "completion_tokens": pl.Int64,
    "latency_s": pl.Float64,
    "error": pl.String,
    "attempts": pl.Int32,
    "created_at": pl.Datetime("us"),
}


_READY: set[Path] = set()  # cache files whose tables this process has created
_WRITE_LOCKS: dict[Path, threading.Lock] = {}  # one writer thread per cache file in this process
_WRITE_LOCKS_GUARD = threading.Lock()
HOST = socket.gethostname()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def process_alive(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) process on this host."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class RequestCache:
    def __init__(self, path: str | Path | None = None, lock_timeout_s: float = 300.0):
        self.path = Path(path) if path else default_cache_path()
        self.store_ = Warehouse(path=self.path, lock_timeout_s=lock_timeout_s)

    def _ensure_tables(self, con) -> None:
        """Create the tables on first use, inside the caller's connection (no extra connect)."""
        marker = self.path.resolve()
        if marker not in _READY or not self.path.exists():
            for name in ("llm_cache_create_table", "llm_calls_create_table", "llm_claims_create_table"):
                con.execute(self.store_.sql(name))
            _READY.add(marker)

    @contextlib.contextmanager
    def _write(self):
        """A write transaction; threads of this process take turns (DuckDB would otherwise fail
        one of two transactions touching the same rows, e.g. a lease renewal and a release)."""
        with _WRITE_LOCKS_GUARD:
            lock = _WRITE_LOCKS.setdefault(self.path.resolve(), threading.Lock())
        with lock, self.store_.transaction() as con:
            self._ensure_tables(con)
            yield con

    def _frame(self, con, name: str, params: dict[str, Any]) -> pl.DataFrame:
        return pl.from_arrow(con.sql(self.store_.sql(name), params=params).to_arrow_table())

    def lookup(self, keys: Iterable[str]) -> dict[str, LLMResponse]:
        """Answered (error-free) entries among `keys`, as cached responses."""
        keys = sorted(set(keys))
        with self.store_.connect() as con:
            self._ensure_tables(con)
            return self._answered(con, keys)

    def lookup_and_claim(
        self, keys: Iterable[str], owner: str, stage: str, lease_s: float
    ) -> tuple[dict[str, LLMResponse], list[str]]:
        """`lookup`, then `claim` the keys without an answer, in one transaction (one connection:
        a stage start costs no more than a plain lookup)."""
        keys = sorted(set(keys))
        with self._write() as con:
            answered = self._answered(con, keys)
            mine = self._claim(con, [k for k in keys if k not in answered], owner, stage, lease_s)
        return answered, mine

    def _answered(self, con, keys: list[str]) -> dict[str, LLMResponse]:
        if not keys:
            return {}
        rows = self._frame(con, "llm_cache_lookup", {"keys": keys})
        found: dict[str, LLMResponse] = {}
        for row in rows.iter_rows(named=True):
            parsed = json.loads(row["parsed_json"]) if row["parsed_json"] is not None else None
            found[row["cache_key"]] = LLMResponse(
                request_id="",
                cache_key=row["cache_key"],
                text=row["text"],
                parsed=parsed,
                finish_reason=row["finish_reason"],
                prompt_tokens=row["prompt_tokens"] or 0,
                completion_tokens=row["completion_tokens"] or 0,
                latency_s=row["latency_s"] or 0.0,
                cached=True,
            )
        return found

    def store(
        self,
        entries: Sequence[tuple[LLMRequest, LLMResponse]],
        stage: str,
        call: dict[str, Any] | None = None,
        owner: str | None = None,
    ) -> int:
        """Upsert answers (and failures) in one short transaction. With `owner`, the owner's claims
        on these keys are released in the same transaction; with `call`, the call's statistics
        are recorded too (one connection instead of several)."""
        if not entries and call is None:
            return 0
        frame = self._entries_frame(entries, stage)
        with self._write() as con:
            if frame.height:
                con.register("_incoming", frame.to_arrow())
                con.execute(self.store_.sql("llm_cache_upsert"))
                con.unregister("_incoming")
                if owner is not None:
                    con.execute(self.store_.sql("llm_claims_release"),
                                {"owner": owner, "keys": frame["cache_key"].to_list()})
            if call is not None:
                con.register("_incoming", pl.DataFrame([call]).to_arrow())
                con.execute(self.store_.sql("llm_calls_insert"))
        return frame.height

    @staticmethod
    def _entries_frame(entries: Sequence[tuple[LLMRequest, LLMResponse]], stage: str) -> pl.DataFrame:
        now = utc_now()
        rows = []
        for request, response in entries:
            rows.append(
                {
                    "cache_key": response.cache_key,
                    "model_id": response.model_id,
                    "prompt_version": request.prompt_version,
                    "stage": stage,
                    "request_json": canonical_json(key_fields(request, response.model_id)),
                    "text": response.text,
                    "parsed_json": None if response.parsed is None else canonical_json(response.parsed),
                    "finish_reason": response.finish_reason,
                    "prompt_tokens": response.prompt_tokens,
                    "completion_tokens": response.completion_tokens,
                    "latency_s": response.latency_s,
                    "error": redact(response.error),
                    "attempts": 1,
                    "created_at": now,
                }
            )
        return pl.DataFrame(rows, schema=CACHE_SCHEMA).unique("cache_key", keep="last")

    def record_call(self, stats: dict[str, Any], release_owner: str | None = None) -> None:
        """Record a call's statistics; with `release_owner`, also drop whatever claims that owner
        still holds (the end of a `generate` call: one transaction)."""
        with self._write() as con:
            con.register("_incoming", pl.DataFrame([stats]).to_arrow())
            con.execute(self.store_.sql("llm_calls_insert"))
            if release_owner is not None:
                con.execute(self.store_.sql("llm_claims_release_all"), {"owner": release_owner})

    # -- claims (leases) -------------------------------------------------------------------------
    def claim(self, keys: Sequence[str], owner: str, stage: str, lease_s: float) -> list[str]:
        """Claim those of `keys` that have no answer and no live claim; returns the keys `owner`
        now holds. Claims of dead owners on this host and lapsed claims are dropped first."""
        if not keys:
            return []
        with self._write() as con:
            return self._claim(con, list(keys), owner, stage, lease_s)

    def _claim(self, con, keys: list[str], owner: str, stage: str, lease_s: float) -> list[str]:
        if not keys:
            return []
        now = utc_now()
        held = self._frame(con, "llm_claims_of_keys", {"keys": keys})
        dead = {
            row["owner"] for row in held.iter_rows(named=True)
            if row["owner"] != owner and row["host"] == HOST and not process_alive(int(row["pid"]))
        }
        con.execute(self.store_.sql("llm_claims_drop_stale"), {"now": now, "dead_owners": sorted(dead)})
        incoming = pl.DataFrame(
            {
                "cache_key": keys,
                "owner": owner,
                "host": HOST,
                "pid": os.getpid(),
                "stage": stage,
                "claimed_at": now,
                "expires_at": now + dt.timedelta(seconds=lease_s),
            },
            schema={"cache_key": pl.String, "owner": pl.String, "host": pl.String, "pid": pl.Int64,
                    "stage": pl.String, "claimed_at": pl.Datetime("us"), "expires_at": pl.Datetime("us")},
        )
        con.register("_incoming", incoming.to_arrow())
        con.execute(self.store_.sql("llm_claims_take"))
        con.unregister("_incoming")
        return self._frame(con, "llm_claims_owned", {"owner": owner, "keys": keys})["cache_key"].to_list()

    def claimed(self, keys: Sequence[str]) -> set[str]:
        """Keys among `keys` under a claim that has not lapsed (by anyone)."""
        if not keys:
            return set()
        now = utc_now()
        with self.store_.connect() as con:
            self._ensure_tables(con)
            held = self._frame(con, "llm_claims_of_keys", {"keys": list(keys)})
        return {
            row["cache_key"] for row in held.iter_rows(named=True)
            if row["expires_at"] >= now and not (row["host"] == HOST and not process_alive(int(row["pid"])))
        }

    def renew(self, owner: str, lease_s: float) -> None:
        with self._write() as con:
            con.execute(self.store_.sql("llm_claims_renew"),
                        {"owner": owner, "expires_at": utc_now() + dt.timedelta(seconds=lease_s)})

    def release(self, owner: str) -> None:
        with self._write() as con:
            con.execute(self.store_.sql("llm_claims_release_all"), {"owner": owner})

    # -- reading ---------------------------------------------------------------------------------
    def _read(self, name: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        with self.store_.connect() as con:
            self._ensure_tables(con)
            return self._frame(con, name, params or {})

    def calls(self, stage: str) -> pl.DataFrame:
        """One row per `generate` call made for `stage`, oldest first."""
        return self._read("llm_calls_by_stage", {"stage": stage})

    def summary(self) -> pl.DataFrame:
        return self._read("llm_cache_summary")

    def entries(self) -> pl.DataFrame:
        """Every cache entry (for inspection and tests)."""
        return self._read("llm_cache_entries")

    def claims(self) -> pl.DataFrame:
        """Every claim currently recorded (for inspection and tests)."""
        return self._read("llm_claims_all")


class LeaseKeeper:
    """Renews an owner's claims every `lease_s / 4` seconds on a daemon thread while work goes on,
    until `stop()` (which leaves releasing the claims to the caller)."""

    def __init__(self, cache: RequestCache, owner: str, lease_s: float):
        self.cache, self.owner, self.lease_s = cache, owner, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"llm-lease-{owner[:8]}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.lease_s / 4):
            try:
                self.cache.renew(self.owner, self.lease_s)
            except Exception:  # a missed renewal only shortens the lease; try again next time
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
