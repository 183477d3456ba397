"""Launcher command lines, the single-rank env and the generated DeepSpeed configs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mammoth_assets.core.sft.deepspeed_config import build_deepspeed_config
from mammoth_assets.core.sft.launch import ENTRY_MODULE, build_command, process_env
from mammoth_assets.core.sft.recipe import LaunchSpec

SPEC = Path("/runs/r/spec.json")


def test_python_launch_is_one_process_with_the_single_rank_env():
    launch = LaunchSpec(launcher="python")

    command = build_command(SPEC, launch, port=29555)
    env = process_env(launch, 29555, base={})

    assert command == [sys.executable, "-m", ENTRY_MODULE, str(SPEC)]
    assert {k: env[k] for k in ("MASTER_ADDR", "MASTER_PORT", "RANK", "LOCAL_RANK", "WORLD_SIZE")} == {
        "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29555", "RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "1",
    }  # fmt: skip


def test_multi_gpu_launchers():
    torchrun = build_command(SPEC, LaunchSpec(launcher="torchrun", num_gpus=8), port=1234)
    deepspeed = build_command(SPEC, LaunchSpec(launcher="deepspeed", num_gpus=4, num_nodes=2, hostfile="/h"), port=1234)

    assert torchrun[1:] == ["-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "8",
                            "--master_port", "1234", "-m", ENTRY_MODULE, str(SPEC)]  # fmt: skip
    assert deepspeed[0].endswith("deepspeed")
    assert deepspeed[1:] == ["--num_nodes", "2", "--num_gpus", "4", "--master_port", "1234",
                             "--hostfile", "/h", "--module", ENTRY_MODULE, str(SPEC)]  # fmt: skip
    assert "RANK" not in process_env(LaunchSpec(launcher="torchrun"), 1234, base={})


def test_zero3_config_leaves_batch_sizes_to_the_trainer():
    config = build_deepspeed_config(3, "bf16", offload_optimizer=True, offload_params=True)

    assert "train_batch_size" not in config
    assert config["train_micro_batch_size_per_gpu"] == config["gradient_accumulation_steps"] == "auto"
    zero = config["zero_optimization"]
    assert zero["stage"] == 3 and zero["offload_param"]["device"] == "cpu"
    assert zero["stage3_gather_16bit_weights_on_model_save"] is True
    assert config["bf16"]["enabled"] and not config["fp16"]["enabled"]
    assert config["optimizer"]["type"] == "AdamW"  # offloaded optimizer: DeepSpeed's CPU Adam


def test_zero2_without_offload_uses_the_trainer_optimizer():
    config = build_deepspeed_config(2, "fp32")

    assert "optimizer" not in config and config["zero_force_ds_cpu_optimizer"] is False
    with pytest.raises(ValueError, match="stage 3"):
        build_deepspeed_config(2, "fp32", offload_params=True)
