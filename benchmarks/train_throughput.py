"""Training throughput (tokens/s, and MFU on CUDA) for a randomly initialised Llama of a chosen size.

Two figures side by side, same model, same batches, same optimizer (AdamW):
  baseline   a bare PyTorch loop: forward, backward, AdamW step (the ceiling)
  sft path   the project's path: HF Trainer with the SFT collator and token counting, as run by
             `python -m mammoth_assets.core.sft.entry` (optionally through DeepSpeed ZeRO)

    python benchmarks/train_throughput.py --preset cpu-small            # CPU, a minute or two
    python benchmarks/train_throughput.py --preset 1b --dtype bf16      # one GPU
    python benchmarks/train_throughput.py --hidden 1024 --layers 8 --heads 16 --seq-len 1024

Tokens/s counts every non-padding input token of the optimizer steps after the warm-up steps.
MFU = 6 * params * tokens/s / peak bf16 FLOP/s of the device (attention FLOPs not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import torch

PRESETS = {
    # name: hidden, layers, heads, kv heads, intermediate, vocab
    "cpu-small": (256, 4, 4, 4, 1024, 8192),
    "100m": (768, 12, 12, 12, 3072, 32000),
    "1b": (2048, 16, 32, 8, 8192, 128256),  # Llama-3.2-1B shape, ~1.24B parameters
}


def build_model(args, dtype):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        hidden_size=args.hidden, num_hidden_layers=args.layers, num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads, intermediate_size=args.intermediate,
        vocab_size=args.vocab, max_position_embeddings=max(args.seq_len, 128),
        tie_word_embeddings=False,
    )  # fmt: skip
    model = LlamaForCausalLM(config).to(dtype=dtype)
    return model


def batches(args, n: int) -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(1)
    out = []
    for _ in range(n):
        ids = torch.randint(0, args.vocab, (args.batch, args.seq_len), generator=generator)
        out.append({"input_ids": ids, "labels": ids.clone(), "attention_mask": torch.ones_like(ids)})
    return out


def bare_loop(args, dtype, device) -> dict:
    model = build_model(args, dtype).to(device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)  # as the Trainer default
    data = batches(args, args.warmup + args.steps)
    tokens, started = 0, None
    for i, batch in enumerate(data):
        if i == args.warmup:
            _sync(device)
            started = time.perf_counter()
        batch = {k: v.to(device) for k, v in batch.items()}
        loss = model(**batch, use_cache=False).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if i >= args.warmup:
            tokens += int(batch["attention_mask"].sum())
    _sync(device)
    elapsed = time.perf_counter() - started
    return {"tokens_per_s": tokens / elapsed, "params": sum(p.numel() for p in model.parameters())}


def sft_path(args, dtype, device) -> dict:
    from transformers import TrainerCallback, TrainingArguments

    from mammoth_assets.core.sft.batching import PaddingCollator
    from mammoth_assets.core.sft.deepspeed_config import build_deepspeed_config
    from mammoth_assets.core.sft.entry import make_trainer_class

    model = build_model(args, dtype)
    rows = [{"input_ids": b["input_ids"][r].tolist(), "labels": b["labels"][r].tolist()}
            for b in batches(args, args.warmup + args.steps) for r in range(args.batch)]  # fmt: skip
    marks: dict[str, float] = {}

    class Timer(TrainerCallback):
        def on_step_end(self, a, state, control, **kwargs):
            if state.global_step == args.warmup:
                _sync(device)
                marks["start"] = time.perf_counter()
                marks["tokens_at_start"] = trainer.tokens_seen

    precision = {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(dtype, "fp32")
    ds = build_deepspeed_config(args.zero, precision) if args.zero is not None else None
    if ds is not None:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=os.environ.get("MASTER_PORT", "29517"),
                          RANK="0", LOCAL_RANK="0", WORLD_SIZE="1")  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        training_args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=args.batch, max_steps=args.warmup + args.steps,
            learning_rate=1e-4, lr_scheduler_type="constant", save_strategy="no", report_to=[],
            logging_strategy="no", disable_tqdm=True, bf16=precision == "bf16", fp16=precision == "fp16",
            use_cpu=device.type == "cpu", remove_unused_columns=False, dataloader_num_workers=0,
            deepspeed=ds,
        )  # fmt: skip
        trainer = make_trainer_class()(
            model=model, args=training_args, train_dataset=rows,
            data_collator=PaddingCollator(pad_id=0), callbacks=[Timer()],
        )  # fmt: skip
        trainer.train()
        _sync(device)
    elapsed = time.perf_counter() - marks["start"]
    return {"tokens_per_s": (trainer.tokens_seen - marks["tokens_at_start"]) / elapsed}


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu-small")
    for name in ("hidden", "layers", "heads", "kv-heads", "intermediate", "vocab"):
        parser.add_argument(f"--{name}", type=int, default=None)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=8, help="timed optimizer steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--dtype", choices=["fp32", "bf16", "fp16"], default=None,
                        help="default: bf16 on CUDA, fp32 on CPU")
    parser.add_argument("--zero", type=int, choices=[0, 1, 2, 3], default=None,
                        help="run the sft path through DeepSpeed ZeRO at this stage")
    parser.add_argument("--repeats", type=int, default=1,
                        help="alternate baseline and sft path this many times; report the best of each")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of a table")
    args = parser.parse_args()
    preset = dict(zip(("hidden", "layers", "heads", "kv_heads", "intermediate", "vocab"), PRESETS[args.preset]))
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    from mammoth_assets.core.sft.metrics import model_flops_utilization, peak_flops_for

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype_name = args.dtype or ("bf16" if device.type == "cuda" else "fp32")
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype_name]
    device_name = torch.cuda.get_device_name(0) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    peak = peak_flops_for(device_name)

    baselines, runs = [], []
    for _ in range(max(1, args.repeats)):  # alternating, so load drift hits both alike
        baselines.append(bare_loop(args, dtype, device))
        runs.append(sft_path(args, dtype, device))
    baseline = max(baselines, key=lambda r: r["tokens_per_s"])
    ours = max(runs, key=lambda r: r["tokens_per_s"])
    params = baseline["params"]
    rows = []
    for name, result in (("baseline: bare PyTorch loop", baseline), ("sft path: HF Trainer + SFT collator", ours)):
        mfu = model_flops_utilization(params, result["tokens_per_s"], 1, peak)
        rows.append({"run": name, "tokens_per_s": round(result["tokens_per_s"], 1),
                     "mfu": None if mfu is None else round(mfu, 4)})  # fmt: skip
    summary = {"device": device_name, "dtype": dtype_name, "params": params, "preset": args.preset,
               "hidden": args.hidden, "layers": args.layers, "seq_len": args.seq_len,
               "batch": args.batch, "timed_steps": args.steps, "zero": args.zero, "results": rows}  # fmt: skip
    if args.json:
        print(json.dumps(summary))
        return
    print(f"device {device_name}, {dtype_name}, {params / 1e6:.1f}M parameters, "
          f"batch {args.batch} x {args.seq_len} tokens, {args.steps} timed steps, "
          f"best of {max(1, args.repeats)}")  # fmt: skip
    print(f"{'run':<40} {'tokens/s':>12} {'MFU':>8}")
    for row in rows:
        mfu = "n/a" if row["mfu"] is None else f"{row['mfu']:.1%}"
        print(f"{row['run']:<40} {row['tokens_per_s']:>12.1f} {mfu:>8}")
    ratio = ours["tokens_per_s"] / baseline["tokens_per_s"]
    print(f"sft path / baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
