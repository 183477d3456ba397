"""One training run, outside any orchestrator: prepare the training set in the run directory,
write the spec, start the training process, read back what it wrote.

The run directory is `artifacts/sft_checkpoint/<recipe>/<run id>` where the run id hashes the
recipe fingerprint, the training-set hash and the step override. Re-running the same recipe on the
same data lands in the same directory, so the training process finds its checkpoints and resumes;
new data or new hyperparameters start a fresh run and never resume from an incompatible state.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from mammoth_assets import paths
from mammoth_assets.core.sft.launch import (
    TrainingRunSpec,
    build_command,
    free_port,
    process_env,
)
from mammoth_assets.core.sft.metrics import read_loss_log
from mammoth_assets.core.sft.recipe import TINY_MODEL_ALIAS, Recipe, TrainingSetSpec
from mammoth_assets.core.sft.training_data import TrainingSetWriter, adapt_rows, read_file_rows

SHARED_PREFIX = "shared:"
TableReader = Callable[[str, Mapping[str, Any]], Iterable[Mapping[str, Any]]]


class TrainingFailed(RuntimeError):
    def __init__(self, message: str, returncode: int | None = None):
        super().__init__(message)
        self.returncode = returncode


TinyModel = Callable[[], "Path | str"]  # builds (once) and returns the project's tiny model


def resolve_base_model(base_model: str, tiny_model: TinyModel | None = None) -> str:
    """A local directory, an HF hub id (downloaded by transformers for real users), or the
    project's tiny model alias, which `tiny_model` builds on first use (the caller passes the
    LLM layer's `ensure_tiny_model`: core does not import the LLM layer)."""
    if base_model == TINY_MODEL_ALIAS:
        if tiny_model is None:
            raise ValueError(f"base model {TINY_MODEL_ALIAS!r} needs tiny_model= (ensure_tiny_model)")
        return str(tiny_model())
    return base_model


def resolve_data_path(path: str) -> Path:
    if path.startswith(SHARED_PREFIX):
        return paths.shared_data_dir() / path[len(SHARED_PREFIX) :]
    candidate = Path(path)
    return candidate if candidate.is_absolute() else paths.PROJECT_ROOT / candidate


def source_rows(spec: TrainingSetSpec, read_table: TableReader | None) -> Iterator[Mapping[str, Any]]:
    if spec.path is not None:
        rows: Iterable[Mapping[str, Any]] = (
            row
            for row in read_file_rows(resolve_data_path(spec.path))
            if all(row.get(column) == value for column, value in spec.filter.items())
        )
    else:
        if read_table is None:
            raise ValueError(f"training set {spec.name!r} reads table {spec.table!r}: no warehouse")
        rows = read_table(spec.table, spec.filter)
    for index, row in enumerate(rows):
        if spec.limit and index >= spec.limit:
            return
        yield row


@dataclass
class PreparedRun:
    recipe: Recipe
    run_dir: Path
    training_set_hash: str
    kept: int
    rejected: int
    rejected_by_reason: dict[str, int]
    kept_by_source: dict[str, int]
    rows_in_by_source: dict[str, int] = field(default_factory=dict)

    @property
    def spec_path(self) -> Path:
        return self.run_dir / "spec.json"


def run_id(recipe: Recipe, training_set_hash: str, max_steps: int) -> str:
    key = f"{recipe.fingerprint()}\x00{training_set_hash}\x00{max_steps}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def prepare_run(
    recipe: Recipe,
    read_table: TableReader | None = None,
    *,
    max_steps: int = -1,
    use_deepspeed: bool = True,
    root: Path | None = None,
    restart: bool = False,
    tiny_model: TinyModel | None = None,
) -> PreparedRun:
    """Stream every training set through the adapters into the run directory and write the spec.
    `restart` discards the run's checkpoints and step log so training starts from step 0."""
    root = root or paths.artifacts_dir("sft_checkpoint", recipe.name)
    staging = root / f"_staging-{uuid.uuid4().hex[:8]}"
    writer = TrainingSetWriter(staging)
    rows_in: dict[str, int] = {}
    try:
        for spec in recipe.training_sets:
            counted = _counting(source_rows(spec, read_table), rows_in, spec.name)
            items = adapt_rows(
                counted, spec.name, spec.format, spec.weight, recipe.hyperparameters.seed, spec.id_columns
            )
            for item in items:
                writer.add(item)
    finally:
        digest = writer.close()
    run_dir = root / run_id(recipe, digest, max_steps)
    run_dir.mkdir(parents=True, exist_ok=True)
    if restart:
        shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
        for stale in ("metrics.jsonl", "metrics.json", "train.log"):
            (run_dir / stale).unlink(missing_ok=True)
    for file in staging.iterdir():
        shutil.move(str(file), run_dir / file.name)
    staging.rmdir()
    base_model = resolve_base_model(recipe.base_model, tiny_model)
    prepared = PreparedRun(
        recipe=recipe,
        run_dir=run_dir,
        training_set_hash=digest,
        kept=writer.kept,
        rejected=writer.rejected,
        rejected_by_reason=dict(writer.rejected_by_reason),
        kept_by_source=dict(writer.kept_by_source),
        rows_in_by_source=rows_in,
    )
    (run_dir / "training_set.json").write_text(json.dumps({
        "training_set_hash": digest,
        "n_examples": writer.kept,
        "ids_file": "ids.txt",
        "kept_by_source": writer.kept_by_source,
        "rows_in_by_source": rows_in,
        "rejected_by_reason": writer.rejected_by_reason,
        "sources": [s.model_dump() for s in recipe.training_sets],
    }, indent=2))  # fmt: skip
    TrainingRunSpec(
        recipe=recipe.model_dump(),
        base_model_path=base_model,
        data_path=str(run_dir / "data.jsonl"),
        output_dir=str(run_dir),
        training_set_hash=digest,
        use_deepspeed=use_deepspeed,
        max_steps=max_steps,
    ).write(prepared.spec_path)
    return prepared


def _counting(rows: Iterable[Mapping[str, Any]], counts: dict[str, int], name: str):
    counts.setdefault(name, 0)
    for row in rows:
        counts[name] += 1
        yield row


def training_command(prepared: PreparedRun) -> tuple[list[str], dict[str, str]]:
    port = free_port()
    launch = prepared.recipe.launch
    return build_command(prepared.spec_path, launch, port), process_env(launch, port)


def run_training(
    prepared: PreparedRun, on_line: Callable[[str], None] = print, timeout_s: float | None = None
) -> dict[str, Any]:
    """Start the training process, stream its output to `on_line`, return metrics.json.
    (The process itself keeps `train.log` in the run directory.)"""
    command, env = training_command(prepared)
    tail: list[str] = []
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            tail = (tail + [line])[-40:]
            on_line(line.rstrip("\n"))
        returncode = process.wait(timeout=timeout_s)
    if returncode != 0:
        raise TrainingFailed(
            f"training process exited with {returncode}:\n{''.join(tail)}", returncode
        )
    return read_summary(prepared.run_dir)


def read_summary(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "metrics.json"
    if not path.exists():
        raise TrainingFailed(f"no metrics.json in {run_dir}: the training process did not finish")
    return json.loads(path.read_text())


def loss_log(run_dir: Path) -> list[dict[str, Any]]:
    return read_loss_log(Path(run_dir) / "metrics.jsonl")
