"""`evaluated_model`: the model behind each evaluation `checkpoint` key, as an asset.

It is what joins training to evaluation in the lineage: a checkpoint key is a training recipe
(its `sft_checkpoint`), `tiny` (the project's tiny base model), a local model directory or a
Hugging Face id (a base model such as Mistral-7B). The asset resolves the key once, records what
generation loads, and fingerprints the weights; that fingerprint is the asset's data version, so
Dagster marks the generations stale when, and only when, a retrained checkpoint has new weights.

`sft_checkpoint` is partitioned by training recipe and this asset by checkpoint key: the
identity mapping pairs a recipe key with the same checkpoint key; base-model keys have no
`sft_checkpoint` partition, which Dagster shows as a dependency on a partition that does not
exist (nothing to wait for).
"""

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import get_dagster_logger
import polars as pl

from mammoth_assets.defs.evaluate.partitions import checkpoint_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.steps.checkpoints import resolve_checkpoint_model
from mammoth_assets.warehouse import Warehouse, file_record

MODEL_SCHEMA = {
    "checkpoint": pl.String, "kind": pl.String, "source": pl.String, "model": pl.String,
    "local_path": pl.String, "base_model": pl.String, "training_set_hash": pl.String,
    "revision": pl.String, "size_bytes": pl.Int64, "fingerprint": pl.String,
    "resolved_at": pl.Datetime("us"),
}


class EvaluatedModelConfig(dg.Config):
    # Hash every weight file of a local model (exact, about a minute for 15 GB). Off: hash the
    # file names, sizes and modification times instead (instant, still changes on retraining).
    hash_weights: bool = True


def _quick_fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in directory.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(directory)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _hub_revision(model_id: str) -> str | None:
    """The commit a Hugging Face id resolves to: asked of the hub, else read from the local
    cache (offline machines); None when neither knows the model."""
    import huggingface_hub

    try:
        return huggingface_hub.HfApi().model_info(model_id).sha
    except Exception:  # offline, gated, unknown id: fall back to the cache
        pass
    try:
        cached = huggingface_hub.try_to_load_from_cache(model_id, "config.json")
    except Exception:
        return None
    if isinstance(cached, str):  # .../snapshots/<commit>/config.json
        return Path(cached).parent.name
    return None


def _is_training_recipe(name: str) -> bool:
    from mammoth_assets.core.sft.recipe import RecipeError, recipe_path

    try:
        recipe_path(name)
    except RecipeError:
        return False
    return True


def model_record(warehouse: Warehouse, checkpoint: str, config: EvaluatedModelConfig) -> dict[str, Any]:
    resolved = resolve_checkpoint_model(warehouse, checkpoint)
    model, source, provenance = resolved.model, resolved.source, resolved.provenance
    if source == "hub_id" and _is_training_recipe(checkpoint):
        raise dg.Failure(
            description=f"checkpoint {checkpoint!r} is a training recipe with no sft_checkpoint "
            f"yet: materialize sft_checkpoint for partition {checkpoint!r} first",
            metadata={"checkpoint": checkpoint},
        )
    local = Path(model) if source != "hub_id" else None
    revision, size = None, None
    if local is not None:
        if not local.exists():
            raise dg.Failure(f"checkpoint {checkpoint!r}: model directory {local} does not exist")
        if config.hash_weights:
            record = file_record(local)
            fingerprint, size = record["sha256"], record["size_bytes"]
        else:
            fingerprint = _quick_fingerprint(local)
            size = sum(p.stat().st_size for p in local.rglob("*") if p.is_file())
    else:
        revision = _hub_revision(model)
        if revision is None:
            get_dagster_logger().warning(
                f"{model}: no revision from the hub or the local cache (offline, or a served name "
                "that is not a hub id); the id alone fingerprints it")
        # An unknown revision cannot be told apart from a later one: the id alone is the version.
        fingerprint = hashlib.sha256(f"{model}@{revision or 'unresolved'}".encode()).hexdigest()
    return {
        "checkpoint": checkpoint,
        "kind": "trained" if source == "sft_checkpoint" else "base",
        "source": source,
        "model": model,
        "local_path": str(local) if local else None,
        "base_model": provenance.get("base_model"),
        "training_set_hash": provenance.get("training_set_hash"),
        "revision": revision,
        "size_bytes": size,
        "fingerprint": fingerprint,
        "resolved_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    }


@dg.asset(
    partitions_def=checkpoint_partitions,
    deps=[dg.AssetDep("sft_checkpoint", partition_mapping=dg.IdentityPartitionMapping())],
    group_name="evaluate",
    kinds={"duckdb"},
    description="The model an evaluation checkpoint key names (a training recipe's sft_checkpoint, "
    "`tiny`, a local directory or a Hugging Face id), resolved once and fingerprinted: the "
    "weights' hash is the data version, so generations go stale only when the weights change.",
)
def evaluated_model(
    context: dg.AssetExecutionContext, config: EvaluatedModelConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    checkpoint = context.partition_key
    store = warehouse.get()
    row = model_record(store, checkpoint, config)
    store.replace_partition("evaluated_models", "checkpoint", checkpoint,
                            pl.DataFrame([row], schema=MODEL_SCHEMA))
    context.log.info(f"{checkpoint}: {row['kind']} model {row['model']} ({row['source']})")
    metadata: dict[str, Any] = {
        key: row[key] for key in ("kind", "source", "model", "fingerprint") if row[key] is not None
    }
    for key in ("base_model", "training_set_hash", "revision"):
        if row[key]:
            metadata[key] = row[key]
    if row["local_path"]:
        metadata["local_path"] = dg.MetadataValue.path(row["local_path"])
        metadata["size_bytes"] = row["size_bytes"]
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(row["fingerprint"][:32]))


@dg.asset_check(asset=evaluated_model, blocking=True,
                description="Every resolved checkpoint names a model: a local one holds a "
                "config.json (what transformers and vLLM load), a hub id has a recorded fingerprint.")
def evaluated_model_loadable(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    store = warehouse.get()
    if not store.table_exists("evaluated_models"):
        return dg.AssetCheckResult(passed=False, metadata={"reason": "table evaluated_models is missing"})
    rows = store.read_table("evaluated_models").to_dicts()
    broken = {
        row["checkpoint"]: "no config.json in " + row["local_path"]
        for row in rows
        if row["local_path"] and not (Path(row["local_path"]) / "config.json").is_file()
    }
    broken.update({row["checkpoint"]: "no fingerprint" for row in rows if not row["fingerprint"]})
    return dg.AssetCheckResult(
        passed=bool(rows) and not broken,
        metadata={"models": len(rows), "broken": dg.MetadataValue.json(broken)},
    )
