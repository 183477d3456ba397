"""Training metrics: the loss log, the checks on it, throughput, MFU and the loss-curve plot."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

# Dense bf16 peak FLOP/s per GPU (vendor data sheets), matched on the device name.
PEAK_BF16_FLOPS = {
    "B200": 2.25e15,
    "H200": 989e12,
    "H100": 989e12,
    "A100": 312e12,
    "L40S": 362e12,
    "A10G": 125e12,
    "L4": 121e12,
}


def peak_flops_for(device_name: str) -> float:
    for key, flops in PEAK_BF16_FLOPS.items():
        if key in device_name.upper():
            return flops
    return 0.0


def model_flops_utilization(
    n_params: int, tokens_per_s: float, n_devices: int, peak_flops_per_device: float
) -> float | None:
    """MFU = 6 N tokens/s / (devices * peak); None when the peak is unknown (CPU)."""
    if peak_flops_per_device <= 0 or n_devices <= 0:
        return None
    return 6.0 * n_params * tokens_per_s / (n_devices * peak_flops_per_device)


def read_loss_log(path: str | Path) -> list[dict[str, Any]]:
    """The per-step log (`metrics.jsonl`) with later entries for a step replacing earlier ones
    (a resumed run re-logs the steps after its checkpoint)."""
    by_step: dict[int, dict[str, Any]] = {}
    path = Path(path)
    if not path.exists():
        return []
    for line in path.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            if "loss" in entry:
                by_step[int(entry["step"])] = entry
    return [by_step[step] for step in sorted(by_step)]


def has_nan(losses: Iterable[float]) -> bool:
    return any(not math.isfinite(float(x)) for x in losses)


@dataclass
class LossTrend:
    first: float
    last: float
    window: int

    @property
    def relative_drop(self) -> float:
        return (self.first - self.last) / self.first if self.first else 0.0


def loss_trend(losses: list[float], window: int = 3) -> LossTrend:
    """Mean of the first and of the last `window` losses (window shrinks for short runs)."""
    if len(losses) < 2:
        raise ValueError(f"need at least 2 logged losses, got {len(losses)}")
    window = max(1, min(window, len(losses) // 2))
    first = sum(losses[:window]) / window
    last = sum(losses[-window:]) / window
    return LossTrend(first=first, last=last, window=window)


def plot_loss_curve(steps: list[int], losses: list[float], dest: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dest.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    ax.plot(steps, losses, marker="o" if len(steps) < 50 else None, linewidth=1.5)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(dest)
    plt.close(fig)
    return dest
