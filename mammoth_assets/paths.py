"""Where the project keeps things. Every location can be overridden by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

from mammoth_assets.core import safe_paths

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
SAMPLE_DUMP = "CC-MAIN-SAMPLE"


def data_dir() -> Path:
    """The one directory for everything that is not code: warehouse, models, mirrors, exports."""
    path = Path(os.environ.get("MAMMOTH_DATA_DIR", PROJECT_ROOT / "data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_data_dir() -> Path:
    """Third-party test data (`../shared/data` beside the checkout). May not exist."""
    return Path(os.environ.get("MAMMOTH_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


def warehouse_path() -> Path:
    return Path(os.environ.get("MAMMOTH_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def artifacts_dir(*parts: str) -> Path:
    """A directory under the data dir for non-table artefacts (models, checkpoints, exports). Each
    part (a recipe or instruction-set name, ...) must be a safe name, and the directory must resolve
    inside `artifacts/`."""
    root = data_dir() / "artifacts"
    root.mkdir(parents=True, exist_ok=True)
    return safe_paths.child_dir(root, *parts, what="artifact directory name")


def sample_mirror_dir() -> Path:
    """Local mirror of the bundled sample dump, laid out like data.commoncrawl.org."""
    return Path(os.environ.get("MAMMOTH_SAMPLE_MIRROR", data_dir() / "mirror"))
