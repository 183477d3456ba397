"""Secrets never reach Dagster's event log, metadata or failure messages through the project's code
(real runs on an ephemeral instance; the LLM layer's own redaction is tested in tests/llm)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

import mammoth_assets  # noqa: F401 - importing the package installs log redaction
from mammoth_assets.defs.crawl import wet_files
from mammoth_assets.defs.resources import WarehouseResource

SECRET = "sk-proj-ZZZZ0123456789abcdefgh"


def _everything_stored(instance: dg.DagsterInstance, run_id: str) -> str:
    return "\n".join(str(entry) for entry in instance.all_logs(run_id))


def test_context_log_messages_are_stored_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAMMOTH_LLM_API_KEY", SECRET)

    @dg.op
    def chatty(context) -> None:
        context.log.info(f"calling the server with Authorization: Bearer {SECRET}")
        context.log.warning("retrying https://user:hunter2pass@mirror.example.org/x")

    @dg.job
    def leak() -> None:
        chatty()

    instance = dg.DagsterInstance.ephemeral()
    result = leak.execute_in_process(instance=instance)
    stored = _everything_stored(instance, result.run_id)
    assert SECRET not in stored and "hunter2pass" not in stored
    assert "Authorization: Bearer [REDACTED]" in stored and "https://[REDACTED]@mirror.example.org/x" in stored


def test_mirror_url_with_credentials_is_refused_and_never_stored(isolated_data_dir: Path, sample_mirror: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", ["CC-MAIN-2099-01"])
    result = dg.materialize(
        [wet_files], partition_key="CC-MAIN-2099-01", instance=instance, raise_on_error=False,
        resources={"warehouse": WarehouseResource(path=str(isolated_data_dir / "warehouse.duckdb"))},
        run_config={"ops": {"wet_files": {"config": {"base_url": "https://crawler:pa55word99@127.0.0.1:9/"}}}},
    )
    assert not result.success
    stored = _everything_stored(instance, result.run_id)
    assert "pa55word99" not in stored and "~/.netrc" in stored
    assert not (isolated_data_dir / "warehouse.duckdb").exists() or "pa55word99" not in \
        (isolated_data_dir / "warehouse.duckdb").read_bytes().decode("latin-1")


def test_listing_errors_are_redacted(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A listing failure whose message would carry a token (here a secret env value in the mirror
    path) is stored redacted in the failure and its metadata."""
    token = "tok-abcdef-123456"
    monkeypatch.setenv("MIRROR_TOKEN", token)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", ["CC-MAIN-2099-01"])
    result = dg.materialize(
        [wet_files], partition_key="CC-MAIN-2099-01", instance=instance, raise_on_error=False,
        resources={"warehouse": WarehouseResource(path=str(isolated_data_dir / "warehouse.duckdb"))},
        run_config={"ops": {"wet_files": {"config": {"base_url": str(tmp_path / token)}}}},
    )
    assert not result.success
    stored = _everything_stored(instance, result.run_id)
    assert token not in stored and "does not exist" in stored
