"""The request cache: every answer the layer ever got, keyed by what determines it.

The key is a hash of exactly (model id, messages or prompt, sampling parameters, JSON schema,
regex, prompt version). Nothing else enters it: not the request id, the stage, batch sizes,
partitions or paths, so re-materialising an unchanged stage answers everything from the cache.

The cache lives in its own DuckDB file, `llm_cache.duckdb` beside the warehouse, not inside the
warehouse: LLM stages commit answers every few seconds for hours, and a separate file means those
small commits never take the warehouse's single-writer lock away from table writers (and vice
versa). Answers are written in small committed batches as they arrive, so a run killed at 90%
re-sends only the missing 10%. Failed requests are stored with their error and are sent again on
the next run; a success replaces them. `llm_calls` keeps one row per `generate` call (stage,
requests, cache hits, backend requests, tokens), which is how a test shows that re-materialising
made zero backend calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import polars as pl

from mammoth_assets import paths
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


class RequestCache:
    def __init__(self, path: str | Path | None = None, lock_timeout_s: float = 300.0):
        self.path = Path(path) if path else default_cache_path()
        self.store_ = Warehouse(path=self.path, lock_timeout_s=lock_timeout_s)

    def _ensure_tables(self, con) -> None:
        """Create the tables on first use, inside the caller's connection (no extra connect)."""
        marker = self.path.resolve()
        if marker not in _READY or not self.path.exists():
            con.execute(self.store_.sql("llm_cache_create_table"))
            con.execute(self.store_.sql("llm_calls_create_table"))
            _READY.add(marker)

    def lookup(self, keys: Iterable[str]) -> dict[str, LLMResponse]:
        """Answered (error-free) entries among `keys`, as cached responses."""
        keys = sorted(set(keys))
        with self.store_.connect() as con:
            self._ensure_tables(con)
            if not keys:
                return {}
            rows = pl.from_arrow(con.sql(self.store_.sql("llm_cache_lookup"), params={"keys": keys}).to_arrow_table())
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
    ) -> int:
        """Upsert answers (and failures) in one short transaction; with `call`, also record the
        call's statistics in the same transaction (one connection instead of two)."""
        if not entries:
            if call is not None:
                self.record_call(call)
            return 0
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
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
                    "error": response.error,
                    "attempts": 1,
                    "created_at": now,
                }
            )
        frame = pl.DataFrame(rows, schema=CACHE_SCHEMA).unique("cache_key", keep="last")
        with self.store_.transaction() as con:
            self._ensure_tables(con)
            con.register("_incoming", frame.to_arrow())
            con.execute(self.store_.sql("llm_cache_upsert"))
            if call is not None:
                con.unregister("_incoming")
                con.register("_incoming", pl.DataFrame([call]).to_arrow())
                con.execute(self.store_.sql("llm_calls_insert"))
        return frame.height

    def record_call(self, stats: dict[str, Any]) -> None:
        with self.store_.transaction() as con:
            self._ensure_tables(con)
            con.register("_incoming", pl.DataFrame([stats]).to_arrow())
            con.execute(self.store_.sql("llm_calls_insert"))

    def _read(self, name: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        with self.store_.connect() as con:
            self._ensure_tables(con)
            return pl.from_arrow(con.sql(self.store_.sql(name), params=params or {}).to_arrow_table())

    def calls(self, stage: str) -> pl.DataFrame:
        """One row per `generate` call made for `stage`, oldest first."""
        return self._read("llm_calls_by_stage", {"stage": stage})

    def summary(self) -> pl.DataFrame:
        return self._read("llm_cache_summary")

    def entries(self) -> pl.DataFrame:
        """Every cache entry (for inspection and tests)."""
        return self._read("llm_cache_entries")


class BackgroundWriter:
    """Commits batches of answers on a worker thread while generation goes on.

    Each submitted batch is one short transaction, as with `RequestCache.store`; what is committed
    survives a crash. `finish()` waits for the queue to drain and returns any batches whose write
    failed, so the caller can include them in its final (synchronous) store."""

    _STOP = object()

    def __init__(self, cache: RequestCache, stage: str):
        import queue
        import threading

        self.cache, self.stage = cache, stage
        self.failed: list[tuple[LLMRequest, LLMResponse]] = []
        self.error: BaseException | None = None
        self._queue: "queue.Queue" = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"llm-cache-writer-{stage}", daemon=True)
        self._thread.start()

    def submit(self, entries: Sequence[tuple[LLMRequest, LLMResponse]]) -> None:
        if entries:
            self._queue.put(list(entries))

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is self._STOP:
                return
            try:
                self.cache.store(batch, self.stage)
            except BaseException as error:  # keep the answers; the caller retries them
                self.error = error
                self.failed.extend(batch)

    def finish(self) -> list[tuple[LLMRequest, LLMResponse]]:
        self._queue.put(self._STOP)
        self._thread.join()
        return self.failed
