"""Training recipes: a base model, training sets with mixing weights, hyperparameters, launcher.

A recipe is a YAML file in `training_recipes/` (or `$MAMMOTH_TRAINING_RECIPES`); its file stem is the
`training_recipe` partition key. Defaults follow MAmmoTH2 (DESIGN.md section 6): lr 1e-5, global
batch 512, sequence length 4096, cosine with 3% warm-up, 2 epochs, ZeRO-3, loss on responses only.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mammoth_assets import paths
from mammoth_assets.core import safe_paths

RECIPE_NAME = safe_paths.SAFE_NAME  # a recipe name becomes a partition key and a directory name
TINY_MODEL_ALIAS = "mammoth:tiny-chat"  # the project's own tiny model, built on demand


class RecipeError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrainingSetSpec(_Strict):
    """One source of examples. Exactly one of `table` (a warehouse table) or `path` (a JSON, JSONL or
    Parquet file) is set. `weight` is the number of passes over the source: 1 = every row once,
    0.5 = a deterministic half, 2 = every row twice, 1.5 = once plus a deterministic half."""

    name: str
    table: str | None = None
    path: str | None = None
    filter: dict[str, str | int | float | bool] = Field(default_factory=dict)
    format: Literal["auto", "qa", "alpaca", "messages", "prompt_response"] = "auto"
    weight: float = Field(default=1.0, gt=0)
    limit: int = Field(default=0, ge=0)  # 0 = no limit; counts source rows before weighting
    id_columns: list[str] = Field(default_factory=list)  # e.g. [example_id, rationale_type, program_id]

    @model_validator(mode="after")
    def _one_location(self) -> "TrainingSetSpec":
        if (self.table is None) == (self.path is None):
            raise ValueError(f"training set {self.name!r}: set exactly one of `table` or `path`")
        return self


class DeepSpeedSpec(_Strict):
    zero_stage: Literal[0, 1, 2, 3] = 3
    offload_optimizer: bool = False
    offload_params: bool = False


class Hyperparameters(_Strict):
    learning_rate: float = 1e-5
    global_batch_size: int = Field(default=512, ge=1)
    per_device_batch_size: int = Field(default=4, ge=1)
    max_seq_length: int = Field(default=4096, ge=8)
    num_train_epochs: float = Field(default=2.0, gt=0)
    max_steps: int = -1  # > 0 overrides epochs
    lr_scheduler: str = "cosine"
    warmup_ratio: float = Field(default=0.03, ge=0, le=1)
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    loss: Literal["sft", "lm"] = "sft"  # sft: response tokens only; lm: every token
    packing: bool = False
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    gradient_checkpointing: bool = False
    save_steps: int = Field(default=500, ge=1)
    save_total_limit: int = Field(default=2, ge=1)
    logging_steps: int = Field(default=1, ge=1)
    seed: int = 42


class LaunchSpec(_Strict):
    """How the training process starts. `python`: one process (CPU or one GPU, single-rank env
    set for DeepSpeed). `torchrun` / `deepspeed`: the launchers, `num_gpus` ranks per node."""

    launcher: Literal["python", "torchrun", "deepspeed"] = "python"
    num_gpus: int = Field(default=1, ge=1)
    num_nodes: int = Field(default=1, ge=1)
    hostfile: str | None = None
    peak_flops_per_gpu: float = 0.0  # for MFU; 0 = look up from the GPU name


class Recipe(_Strict):
    name: str
    description: str = ""
    base_model: str
    chat_template: str = "auto"  # auto (model's own, else fallback) | fallback | alpaca | path.jinja
    training_sets: list[TrainingSetSpec]
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)
    deepspeed: DeepSpeedSpec | None = Field(default_factory=DeepSpeedSpec)
    launch: LaunchSpec = Field(default_factory=LaunchSpec)

    @model_validator(mode="after")
    def _valid(self) -> "Recipe":
        safe_paths.safe_name(self.name, "recipe name")  # UnsafeNameError is a ValueError
        if not self.training_sets:
            raise ValueError("a recipe needs at least one training set")
        names = [s.name for s in self.training_sets]
        if len(set(names)) != len(names):
            raise ValueError(f"training set names must be unique, got {names}")
        return self

    def fingerprint(self) -> str:
        """Hash of everything that changes what is trained (not how it is launched)."""
        payload = self.model_dump(exclude={"launch", "description"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def recipes_dir() -> Path:
    return Path(os.environ.get("MAMMOTH_TRAINING_RECIPES", paths.PROJECT_ROOT / "training_recipes"))


def load_recipe(path: str | Path) -> Recipe:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise RecipeError(f"cannot read recipe {path}: {error}") from error
    if not isinstance(raw, dict):
        raise RecipeError(f"recipe {path} is not a YAML mapping")
    raw.setdefault("name", path.stem)
    try:
        recipe = Recipe.model_validate(raw)
    except ValueError as error:
        raise RecipeError(f"invalid recipe {path}: {error}") from error
    if recipe.name != path.stem:
        raise RecipeError(f"recipe {path}: name {recipe.name!r} must equal the file stem")
    return recipe


def recipe_path(name: str, directory: Path | None = None) -> Path:
    try:
        safe_paths.safe_name(name, "recipe name")
    except safe_paths.UnsafeNameError as error:
        raise RecipeError(str(error)) from error
    path = (directory or recipes_dir()) / f"{name}.yaml"
    if not path.exists():
        raise RecipeError(f"no recipe file {path}")
    return path


def list_recipe_names(directory: Path | None = None) -> list[str]:
    directory = directory or recipes_dir()
    return sorted(p.stem for p in directory.glob("*.yaml") if RECIPE_NAME.fullmatch(p.stem))


def unsafe_recipe_files(directory: Path | None = None) -> list[Path]:
    """Recipe files whose stem is not a safe name: never registered, reported instead."""
    directory = directory or recipes_dir()
    return sorted(p for p in directory.glob("*.yaml") if not RECIPE_NAME.fullmatch(p.stem))


def valid_recipe_names() -> tuple[list[str], dict[str, str]]:
    """(valid recipe names in training_recipes/, {invalid name: why}): what becomes a partition."""
    names, errors = [], {}
    directory = recipes_dir()
    for path in unsafe_recipe_files(directory):
        errors[path.stem[:80]] = f"{path.name}: the file stem is the partition key and must be a safe name " \
            "(letters, digits, '.', '_', '-', starting with a letter or digit)"
    for name in list_recipe_names(directory):
        try:
            load_recipe(directory / f"{name}.yaml")
        except RecipeError as error:
            errors[name] = str(error)
            continue
        names.append(name)
    return names, errors
