"""The training process: `python -m mammoth_assets.core.sft.entry SPEC.json` (or under torchrun /
deepspeed). Never imported by the Dagster step process.

Reads the run spec, tokenizes `data.jsonl` with response-only labels, trains with the HF Trainer
(optionally through DeepSpeed), resumes from the newest `checkpoints/checkpoint-N` when one exists,
and writes into the run directory:
    model/               weights, config, tokenizer (with the chat template used in training)
    training_args.json   the Trainer's arguments
    training_set.json    training-set hash, example count, sources (ids are in ids.txt)
    examples.parquet     every example: kept or dropped (and why), tokens, trained tokens
    metrics.jsonl        one line per logged step
    metrics.json         the run summary (steps, losses, tokens/s, MFU, resume point)
Exit code 2 with a message on stderr when there is nothing to train on.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mammoth_assets.core.sft.batching import PaddingCollator, TokenDataset, TokenStore
from mammoth_assets.core.sft.chat_format import ChatFormatError, apply_chat_template_choice, encode
from mammoth_assets.core.sft.deepspeed_config import build_deepspeed_config
from mammoth_assets.core.sft.launch import TrainingRunSpec
from mammoth_assets.core.sft.metrics import model_flops_utilization, peak_flops_for
from mammoth_assets.core.sft.recipe import Hyperparameters
from mammoth_assets.core.sft.reporting import Reporter
from mammoth_assets.core.sft.training_data import read_examples

EMPTY_TRAINING_SET_EXIT = 2


class EmptyTrainingSetError(RuntimeError):
    pass


def resolve_precision(requested: str) -> str:
    if requested != "auto":
        return requested
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def gradient_accumulation(hp: Hyperparameters, world_size: int, n_rows: int) -> int:
    """Steps to reach the global batch, capped so one optimizer step fits in one epoch."""
    wanted = max(1, math.ceil(hp.global_batch_size / (hp.per_device_batch_size * world_size)))
    micro_batches_per_rank = max(1, math.ceil(n_rows / (hp.per_device_batch_size * world_size)))
    return min(wanted, micro_batches_per_rank)


EXAMPLE_RECORD_SCHEMA = [("id", "string"), ("source", "string"), ("repeat", "int64"),
                         ("status", "string"), ("reason", "string"), ("n_tokens", "int64"),
                         ("n_trained_tokens", "int64"), ("truncated", "bool")]  # fmt: skip


@dataclass
class TokenizedSet:
    directory: Path
    read: int
    kept: int
    tokens: int

    @property
    def dropped(self) -> int:
        return self.read - self.kept


def tokenize_training_set(
    spec: TrainingRunSpec, tokenizer: Any, directory: Path, records_path: Path | None
) -> TokenizedSet:
    """Stream `data.jsonl` into a TokenStore; write one record per example (kept, or dropped and
    why) to `records_path` in bounded batches. Memory stays flat for any training-set size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    hp = spec.parsed_recipe.hyperparameters
    schema = pa.schema([(name, getattr(pa, kind)() if kind != "bool" else pa.bool_())
                        for name, kind in EXAMPLE_RECORD_SCHEMA])  # fmt: skip
    store = TokenStore(directory)
    writer = pq.ParquetWriter(records_path, schema) if records_path else None
    batch: list[dict[str, Any]] = []
    read = tokens = 0

    def flush() -> None:
        if writer is not None and batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        batch.clear()

    for example in read_examples(spec.data_path):
        read += 1
        record = {"id": example.id, "source": example.source, "repeat": example.repeat,
                  "status": "kept", "reason": None, "n_tokens": 0, "n_trained_tokens": 0,
                  "truncated": False}  # fmt: skip
        try:
            item = encode(tokenizer, example.messages, hp.max_seq_length, hp.loss)
        except (ChatFormatError, ValueError) as error:
            record.update(status="dropped", reason=f"chat_template_error: {error}"[:200])
        else:
            record.update(n_tokens=len(item.input_ids), n_trained_tokens=item.trained_tokens,
                          truncated=item.truncated)  # fmt: skip
            if item.trained_tokens == 0:
                record.update(status="dropped", reason="no_response_tokens_within_max_seq_length")
            else:
                store.add(item)
                tokens += len(item.input_ids)
        batch.append(record)
        if len(batch) >= 10_000:
            flush()
    flush()
    store.close()
    if writer is not None:
        writer.close()
    return TokenizedSet(directory=directory, read=read, kept=len(store), tokens=tokens)


WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


def is_complete_checkpoint(path: Path) -> bool:
    """A checkpoint a crash did not cut short: trainer state, weights and optimizer state all
    written (the optimizer is `optimizer.pt`, or DeepSpeed's `global_step*` directory)."""
    has_weights = any((path / name).exists() for name in WEIGHT_FILES)
    has_optimizer = (path / "optimizer.pt").exists() or any(path.glob("global_step*"))
    return (path / "trainer_state.json").exists() and has_weights and has_optimizer


def last_checkpoint(checkpoints: Path) -> Path | None:
    """The newest complete `checkpoint-N`; half-written ones from a crash are skipped."""
    if not checkpoints.is_dir():
        return None
    candidates = [p for p in checkpoints.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    for path in sorted(candidates, key=lambda p: int(p.name.split("-")[-1]), reverse=True):
        if is_complete_checkpoint(path):
            return path
    return None


def count_parameters(model: Any) -> int:
    """Parameter count, also under ZeRO-3 where each rank holds only a shard (`ds_numel`)."""
    return sum(getattr(p, "ds_numel", 0) or p.numel() for p in model.parameters())


def finished_run(out: Path) -> dict[str, Any] | None:
    """The summary of a run that already completed in this directory (metrics.json is written only
    on success and removed by a restart), so re-materializing it trains nothing twice."""
    summary_path = out / "metrics.json"
    if not (summary_path.exists() and (out / "model" / "config.json").exists()):
        return None
    return json.loads(summary_path.read_text())


def make_trainer_class():
    from transformers import Trainer

    class TokenCountingTrainer(Trainer):
        """Counts the real (non-padding) and trained tokens each training micro-batch carries."""

        tokens_seen = 0
        trained_tokens_seen = 0

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if model.training:
                self.tokens_seen += int(inputs["attention_mask"].sum())
                self.trained_tokens_seen += int((inputs["labels"] != -100).sum())
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

    return TokenCountingTrainer


def make_step_callback(reporter: Reporter, trainer_ref: dict[str, Any], started: float):
    from transformers import TrainerCallback

    class StepReporter(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "loss" not in logs:
                return
            trainer = trainer_ref["trainer"]
            entry = {
                "step": state.global_step,
                "loss": float(logs["loss"]),
                "learning_rate": float(logs.get("learning_rate", 0.0)),
                "grad_norm": float(logs["grad_norm"]) if logs.get("grad_norm") is not None else None,
                "epoch": float(logs.get("epoch", 0.0)),
                "tokens_seen": trainer.tokens_seen * int(os.environ.get("WORLD_SIZE", "1")),
                "elapsed_s": round(time.monotonic() - started, 3),
            }
            reporter.step(entry)
            reporter.info(f"step {entry['step']} loss {entry['loss']:.4f} lr {entry['learning_rate']:.3g}")

    return StepReporter()


def train(spec: TrainingRunSpec) -> dict[str, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainingArguments

    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    is_main = rank == 0
    out = Path(spec.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    reporter = Reporter(out / "metrics.jsonl", enabled=is_main)
    started = time.monotonic()
    try:
        finished = finished_run(out)
        if finished is not None:
            finished["reused_finished_run"] = True
            reporter.info(f"run already finished at step {finished['global_step']}: reusing "
                          f"{out / 'model'} (restart to train again)")  # fmt: skip
            (out / "metrics.json").write_text(json.dumps(finished, indent=2))
            return finished
        recipe = spec.parsed_recipe
        hp = recipe.hyperparameters
        tokenizer = AutoTokenizer.from_pretrained(spec.base_model_path)
        template = apply_chat_template_choice(tokenizer, recipe.chat_template)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenized = tokenize_training_set(
            spec, tokenizer, out / "tokenized" / f"rank{rank}",
            out / "examples.parquet" if is_main else None,
        )  # fmt: skip
        reporter.info(f"tokenized {tokenized.read} examples: {tokenized.kept} kept, "
                      f"{tokenized.dropped} dropped, {tokenized.tokens} tokens "
                      f"(chat template: {template})")  # fmt: skip
        if not tokenized.kept:
            raise EmptyTrainingSetError(
                f"no trainable examples in {spec.data_path} ({tokenized.read} read, all dropped)"
            )
        rows = TokenDataset(tokenized.directory, packing=hp.packing, max_length=hp.max_seq_length)
        precision = resolve_precision(hp.precision)
        accumulation = gradient_accumulation(hp, world_size, len(rows))
        effective_batch = accumulation * hp.per_device_batch_size * world_size
        if effective_batch < hp.global_batch_size:
            reporter.info(f"global batch {hp.global_batch_size} > training set: using {effective_batch}")
        ds_config = None
        if spec.use_deepspeed and recipe.deepspeed is not None:
            ds = recipe.deepspeed
            ds_config = build_deepspeed_config(
                ds.zero_stage, precision, ds.offload_optimizer, ds.offload_params
            )
        max_steps = spec.max_steps if spec.max_steps > 0 else hp.max_steps
        args = TrainingArguments(
            output_dir=str(out / "checkpoints"),
            per_device_train_batch_size=hp.per_device_batch_size,
            gradient_accumulation_steps=accumulation,
            learning_rate=hp.learning_rate,
            num_train_epochs=hp.num_train_epochs,
            max_steps=max_steps,
            lr_scheduler_type=hp.lr_scheduler,
            warmup_steps=hp.warmup_ratio,  # < 1 means a ratio of the total steps
            weight_decay=hp.weight_decay,
            max_grad_norm=hp.max_grad_norm,
            bf16=precision == "bf16",
            fp16=precision == "fp16",
            save_strategy="steps",
            save_steps=hp.save_steps,
            save_total_limit=hp.save_total_limit,
            logging_steps=hp.logging_steps,
            logging_first_step=True,
            seed=hp.seed,
            data_seed=hp.seed,
            report_to=[],
            deepspeed=ds_config,
            use_cpu=not torch.cuda.is_available(),
            remove_unused_columns=False,
            dataloader_num_workers=0,
            disable_tqdm=True,
        )
        # Loaded after TrainingArguments: with ZeRO-3 the arguments register the DeepSpeed config,
        # so from_pretrained partitions the weights across ranks instead of loading them whole.
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)
        model = AutoModelForCausalLM.from_pretrained(spec.base_model_path, dtype=dtype)
        if hp.gradient_checkpointing:
            model.gradient_checkpointing_enable()
            model.config.use_cache = False
        n_params = count_parameters(model)
        trainer_ref: dict[str, Any] = {}
        trainer = make_trainer_class()(
            model=model,
            args=args,
            train_dataset=rows,
            data_collator=PaddingCollator(pad_id=tokenizer.pad_token_id),
            processing_class=tokenizer,
            callbacks=[make_step_callback(reporter, trainer_ref, started)],
        )
        trainer_ref["trainer"] = trainer
        resume = last_checkpoint(out / "checkpoints")
        resumed_from = int(resume.name.split("-")[-1]) if resume else 0
        if resume:
            reporter.info(f"resuming from {resume} (step {resumed_from})")
        train_started = time.monotonic()
        result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
        wall = time.monotonic() - train_started
        # The Trainer's own runtime starts at its training loop, after DeepSpeed's engine set-up
        # and any JIT op builds, so tokens/s measures training, not start-up.
        runtime = float(result.metrics.get("train_runtime") or wall)
        model_dir = out / "model"
        trainer.save_model(str(model_dir))
        shutil.rmtree(tokenized.directory, ignore_errors=True)  # rebuilt from data.jsonl on demand
        summary: dict[str, Any] = {}
        if is_main:
            tokenizer.save_pretrained(str(model_dir))
            (model_dir / "mammoth_provenance.json").write_text(json.dumps({
                "recipe": recipe.name,
                "base_model": recipe.base_model,
                "training_set_hash": spec.training_set_hash,
                "ids_file": str(out / "ids.txt"),
                "recipe_fingerprint": recipe.fingerprint(),
            }, indent=2))  # fmt: skip
            (out / "training_args.json").write_text(args.to_json_string())
            tokens = trainer.tokens_seen * world_size
            tokens_per_s = tokens / runtime if runtime > 0 else 0.0
            device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
            peak = recipe.launch.peak_flops_per_gpu or peak_flops_for(device)
            summary = {
                "global_step": result.global_step,
                "train_loss": float(result.training_loss),
                "resumed_from_step": resumed_from,
                "n_examples": tokenized.read,
                "n_trained_examples": tokenized.kept,
                "n_rows": len(rows),
                "n_params": n_params,
                "tokens_this_session": tokens,
                "trained_tokens_this_session": trainer.trained_tokens_seen * world_size,
                "train_runtime_s": round(runtime, 3),
                "train_wall_s": round(wall, 3),
                "tokens_per_s": round(tokens_per_s, 2),
                "mfu": model_flops_utilization(n_params, tokens_per_s, world_size, peak),
                "gradient_accumulation_steps": accumulation,
                "effective_global_batch": effective_batch,
                "precision": precision,
                "chat_template": template,
                "deepspeed": ds_config is not None,
                "zero_stage": recipe.deepspeed.zero_stage if ds_config else None,
                "world_size": world_size,
                "device": device,
                "training_set_hash": spec.training_set_hash,
                "reused_finished_run": False,
            }
            (out / "metrics.json").write_text(json.dumps(summary, indent=2))
            reporter.info(f"done: {result.global_step} steps, {tokens_per_s:.1f} tokens/s")
        return summary
    finally:
        reporter.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m mammoth_assets.core.sft.entry SPEC.json", file=sys.stderr)
        return 64
    try:
        train(TrainingRunSpec.read(argv[0]))
    except EmptyTrainingSetError as error:
        print(f"empty training set: {error}", file=sys.stderr)
        return EMPTY_TRAINING_SET_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
