"""DeepSpeed configuration generated from a recipe.

Values the HF Trainer knows are left as "auto" so the two never disagree (micro batch, gradient
accumulation, clipping, lr, betas). `train_batch_size` is left out: with several ranks a fixed value
fights the launcher's world size. The optimizer is the Trainer's torch AdamW unless the optimizer
state is offloaded, in which case DeepSpeed's CPU Adam runs it on the host; on a CPU-only machine
`zero_force_ds_cpu_optimizer: false` lets ZeRO accept the torch optimizer (DeepSpeed's CPU Adam is a
JIT-built C++ op that offers nothing there).
"""

from __future__ import annotations

from typing import Any


def build_deepspeed_config(
    zero_stage: int,
    precision: str,
    offload_optimizer: bool = False,
    offload_params: bool = False,
) -> dict[str, Any]:
    """`precision` is the resolved one: bf16, fp16 or fp32."""
    if offload_params and zero_stage != 3:
        raise ValueError("parameter offload needs ZeRO stage 3")
    zero: dict[str, Any] = {"stage": zero_stage}
    if zero_stage >= 2:
        zero.update(overlap_comm=True, contiguous_gradients=True, reduce_bucket_size="auto")
    if zero_stage == 3:
        zero.update(
            stage3_prefetch_bucket_size="auto",
            stage3_param_persistence_threshold="auto",
            stage3_gather_16bit_weights_on_model_save=True,
        )
    if offload_optimizer:
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
    if offload_params:
        zero["offload_param"] = {"device": "cpu", "pin_memory": True}
    config: dict[str, Any] = {
        "zero_optimization": zero,
        "train_micro_batch_size_per_gpu": "auto",
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
        "bf16": {"enabled": precision == "bf16"},
        "fp16": {"enabled": precision == "fp16"},
        "zero_force_ds_cpu_optimizer": False,
        "wall_clock_breakdown": False,
    }
    if offload_optimizer:
        config["optimizer"] = {
            "type": "AdamW",
            "params": {"lr": "auto", "betas": "auto", "eps": "auto", "weight_decay": "auto"},
        }
    return config
