"""The training process itself on the tiny model: plain Trainer with a crash and resume, DeepSpeed
ZeRO-3 on CPU, and an empty training set as a clean, explained failure."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mammoth_assets.core.sft.entry import EMPTY_TRAINING_SET_EXIT, gradient_accumulation, last_checkpoint
from mammoth_assets.core.sft.entry import main as entry_main
from mammoth_assets.core.sft.recipe import Hyperparameters, Recipe
from mammoth_assets.core.sft.run import loss_log, prepare_run, read_summary, run_training, training_command
from mammoth_assets.core.sft.verify import reload_and_generate


def qa_rows(n: int) -> list[dict]:
    return [
        {"id": f"r{i}", "question": f"What is {i} times 3?", "answer": f"{i} * 3 = {3 * i}. The answer is {3 * i}."}
        for i in range(n)
    ]


def sample_webinstruct_rows(mirror: Path, n: int) -> list[dict]:
    """WebInstruct-shaped rows: the sample dump's ground-truth question-answer pairs."""
    from mammoth_assets.core.sample_dump import read_labels

    pairs = [pair for label in read_labels(mirror) for pair in label.get("qa_pairs", [])][:n]
    return [{"id": f"sample-{i}", "question": p["question"], "answer": p["answer"]} for i, p in enumerate(pairs)]


def make_recipe(model: Path, deepspeed=None, **hyper) -> Recipe:
    settings = dict(learning_rate=1e-3, global_batch_size=2, per_device_batch_size=2, max_seq_length=96,
                    max_steps=6, save_steps=2, precision="fp32", warmup_ratio=0.0)  # fmt: skip
    settings.update(hyper)
    return Recipe(
        name="unit",
        base_model=str(model),
        training_sets=[{"name": "qa", "table": "qa_table", "format": "qa"}],
        hyperparameters=Hyperparameters(**settings),
        deepspeed=deepspeed,
    )


def reader(rows):
    return lambda table, filters: rows


def wait_for_checkpoint(run_dir: Path, process: subprocess.Popen, timeout_s: float = 240) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = last_checkpoint(run_dir / "checkpoints")
        if found is not None:
            return found
        if process.poll() is not None:
            raise AssertionError(f"training ended (rc={process.returncode}) before any checkpoint")
        time.sleep(0.1)
    raise AssertionError("no checkpoint appeared")


@pytest.mark.slow
def test_plain_trainer_resumes_after_a_crash_then_reloads_and_generates(tiny_model, sample_mirror, tmp_path):
    rows = sample_webinstruct_rows(sample_mirror, 30)
    recipe = make_recipe(tiny_model, max_steps=12, save_steps=3, max_seq_length=192)
    prepared = prepare_run(recipe, reader(rows), root=tmp_path / "runs")
    command, env = training_command(prepared)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = wait_for_checkpoint(prepared.run_dir, process)
    process.send_signal(signal.SIGKILL)  # a crash: no cleanup, no final save
    process.wait()
    crashed_at = int(last_checkpoint(prepared.run_dir / "checkpoints").name.split("-")[-1])
    assert crashed_at >= int(first.name.split("-")[-1]) and not (prepared.run_dir / "metrics.json").exists()

    again = prepare_run(recipe, reader(rows), root=tmp_path / "runs")
    summary = run_training(again, on_line=lambda line: None)

    assert again.run_dir == prepared.run_dir  # same recipe + data: same run, so it resumes
    assert summary["resumed_from_step"] == crashed_at and summary["global_step"] == 12
    log_lines = [json.loads(l) for l in (prepared.run_dir / "metrics.jsonl").read_text().splitlines()]
    resumed_steps = [e["step"] for e in log_lines][-(12 - crashed_at):]
    assert resumed_steps == list(range(crashed_at + 1, 13))
    losses = [e["loss"] for e in loss_log(prepared.run_dir)]
    assert len(losses) == 12 and losses[-1] < losses[0]
    assert "resuming from" in (prepared.run_dir / "train.log").read_text()
    generated = reload_and_generate(prepared.run_dir / "model", max_new_tokens=8)
    assert generated["ok"] and generated["new_tokens"] > 0, generated
    args = json.loads((prepared.run_dir / "training_args.json").read_text())
    assert args["learning_rate"] == 1e-3 and args["max_steps"] == 12


@pytest.mark.slow
def test_deepspeed_zero3_on_cpu_trains_and_the_checkpoint_generates(tiny_model, sample_mirror, tmp_path):
    recipe = make_recipe(tiny_model, deepspeed={"zero_stage": 3}, max_steps=4, save_steps=4, max_seq_length=192)
    prepared = prepare_run(recipe, reader(sample_webinstruct_rows(sample_mirror, 16)), root=tmp_path / "runs")

    summary = run_training(prepared, on_line=lambda line: None)

    assert summary["deepspeed"] is True and summary["zero_stage"] == 3 and summary["global_step"] == 4
    assert any((prepared.run_dir / "checkpoints" / "checkpoint-4").glob("global_step*"))
    losses = [e["loss"] for e in loss_log(prepared.run_dir)]
    assert len(losses) == 4 and all(l == l for l in losses)
    generated = reload_and_generate(prepared.run_dir / "model", max_new_tokens=8)
    assert generated["ok"], generated


def test_nothing_left_after_truncation_exits_with_a_reason(tiny_model, tmp_path, capsys):
    recipe = make_recipe(tiny_model, max_seq_length=8)  # the answer never fits
    prepared = prepare_run(recipe, reader(qa_rows(3)), root=tmp_path / "runs")

    returncode = entry_main([str(prepared.spec_path)])  # in-process: it stops before loading a model

    assert returncode == EMPTY_TRAINING_SET_EXIT
    assert "no trainable examples" in capsys.readouterr().err
    with pytest.raises(Exception, match="metrics.json"):
        read_summary(prepared.run_dir)
    import pyarrow.parquet as pq

    reasons = pq.read_table(prepared.run_dir / "examples.parquet").column("reason").to_pylist()
    assert reasons == ["no_response_tokens_within_max_seq_length"] * 3


def test_a_finished_run_is_reused_not_retrained(tiny_model, tmp_path):
    prepared = prepare_run(make_recipe(tiny_model), reader(qa_rows(4)), root=tmp_path / "runs")
    (prepared.run_dir / "model").mkdir()
    (prepared.run_dir / "model" / "config.json").write_text("{}")
    (prepared.run_dir / "metrics.json").write_text(json.dumps({"global_step": 6, "tokens_per_s": 99.0}))

    assert entry_main([str(prepared.spec_path)]) == 0  # returns at once: no model is loaded

    assert read_summary(prepared.run_dir) == {"global_step": 6, "tokens_per_s": 99.0, "reused_finished_run": True}
    again = prepare_run(make_recipe(tiny_model), reader(qa_rows(4)), root=tmp_path / "runs", restart=True)
    assert again.run_dir == prepared.run_dir and not (again.run_dir / "metrics.json").exists()


def test_half_written_checkpoints_are_not_resumed_from(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    complete, partial = checkpoints / "checkpoint-4", checkpoints / "checkpoint-6"
    for path in (complete, partial):
        path.mkdir(parents=True)
        (path / "model.safetensors").write_bytes(b"x")
    for name in ("trainer_state.json", "optimizer.pt"):
        (complete / name).write_text("{}")

    assert last_checkpoint(checkpoints) == complete


def test_gradient_accumulation_reaches_the_global_batch_but_fits_small_sets():
    hp = Hyperparameters(global_batch_size=512, per_device_batch_size=4)

    assert gradient_accumulation(hp, world_size=8, n_rows=1_000_000) == 16
    assert gradient_accumulation(hp, world_size=1, n_rows=10) == 3  # 10 rows = 3 micro-batches
