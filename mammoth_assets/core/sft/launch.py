"""The training run's spec file and the command line that starts the training process.

    python     one process: `python -m mammoth_assets.core.sft.entry SPEC`, with the single-rank
               env (MASTER_ADDR, MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE) that DeepSpeed needs
               even on one CPU process
    torchrun   `python -m torch.distributed.run --nnodes N --nproc_per_node G --master_port P
               -m mammoth_assets.core.sft.entry SPEC`
    deepspeed  `deepspeed --num_nodes N --num_gpus G --master_port P [--hostfile H]
               --module mammoth_assets.core.sft.entry SPEC`
Both launchers set the rank variables themselves; only rank 0 reports metrics and saves files.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mammoth_assets.core.sft.recipe import LaunchSpec, Recipe

ENTRY_MODULE = "mammoth_assets.core.sft.entry"
VERIFY_MODULE = "mammoth_assets.core.sft.verify"


@dataclass
class TrainingRunSpec:
    """Everything the training process needs, written as JSON beside the run's outputs."""

    recipe: dict[str, Any]
    base_model_path: str
    data_path: str
    output_dir: str
    training_set_hash: str
    use_deepspeed: bool = True
    max_steps: int = -1  # > 0 overrides the recipe (demo, tests)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parsed_recipe(self) -> Recipe:
        return Recipe.model_validate(self.recipe)

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=2))
        return path

    @staticmethod
    def read(path: str | Path) -> "TrainingRunSpec":
        return TrainingRunSpec(**json.loads(Path(path).read_text()))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def single_rank_env(port: int) -> dict[str, str]:
    return {
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "RANK": "0",
        "LOCAL_RANK": "0",
        "WORLD_SIZE": "1",
    }


def build_command(spec_path: Path, launch: LaunchSpec, port: int) -> list[str]:
    if launch.launcher == "python":
        return [sys.executable, "-m", ENTRY_MODULE, str(spec_path)]
    if launch.launcher == "torchrun":
        return [
            sys.executable, "-m", "torch.distributed.run",
            "--nnodes", str(launch.num_nodes),
            "--nproc_per_node", str(launch.num_gpus),
            "--master_port", str(port),
            "-m", ENTRY_MODULE, str(spec_path),
        ]  # fmt: skip
    if launch.launcher == "deepspeed":
        deepspeed = shutil.which("deepspeed") or str(Path(sys.executable).parent / "deepspeed")
        command = [
            deepspeed,
            "--num_nodes", str(launch.num_nodes),
            "--num_gpus", str(launch.num_gpus),
            "--master_port", str(port),
        ]  # fmt: skip
        if launch.hostfile:
            command += ["--hostfile", launch.hostfile]
        return command + ["--module", ENTRY_MODULE, str(spec_path)]
    raise ValueError(f"unknown launcher {launch.launcher!r}")


def process_env(launch: LaunchSpec, port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["PYTHONUNBUFFERED"] = "1"
    if launch.launcher == "python":
        env.update(single_rank_env(port))
    return env
