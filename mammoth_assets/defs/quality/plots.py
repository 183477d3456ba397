"""Plots for the quality assets (matplotlib, Agg backend, PNG under the data dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def score_histogram_png(
    histogram: Mapping[str, int], threshold: float, title: str, path: Path
) -> Path:
    """Bars in the paper's bins; bins at or above the threshold drawn as kept."""
    labels = list(histogram)
    counts = [histogram[label] for label in labels]
    colors = [
        "#2a9d8f" if label != "<3" and float(label) >= threshold else "#b0b0b0" for label in labels
    ]
    figure, axis = plt.subplots(figsize=(6, 3.5))
    bars = axis.bar(labels, counts, color=colors)
    axis.bar_label(bars, fontsize=8)
    axis.set_xlabel("rating (0-5)")
    axis.set_ylabel("examples")
    axis.set_title(f"{title} (kept: score >= {threshold:g})")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def win_tie_lose_png(rows: list[tuple[str, int, int, int]], title: str, path: Path) -> Path:
    """Stacked horizontal bars of win / tie / lose shares per test set."""
    names = [name for name, *_ in rows]
    figure, axis = plt.subplots(figsize=(7, 0.6 * len(rows) + 1.5))
    left = [0.0] * len(rows)
    for index, (label, color) in enumerate(
        [("win", "#2a9d8f"), ("tie", "#e9c46a"), ("lose", "#e76f51")]
    ):
        shares = [
            (counts[index] / max(1, sum(counts))) for _, *counts in rows
        ]
        axis.barh(names, shares, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, shares)]
    axis.set_xlim(0, 1)
    axis.set_xlabel("share of items")
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize=8)
    axis.set_title(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
