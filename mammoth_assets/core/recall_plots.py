"""Plots for the recall stage (matplotlib, Agg backend, PNG files)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_precision_recall(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    path: Path,
    title: str = "Held-out precision-recall",
    marks: Mapping[str, tuple[float, float]] | None = None,
) -> Path:
    """One line per named (precision, recall) curve; `marks` puts a dot at the operating point."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    for name, (precision, recall) in curves.items():
        ax.step(recall, precision, where="post", label=name)
    for name, (precision, recall) in (marks or {}).items():
        ax.plot([recall], [precision], "o", label=f"{name} @ threshold")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_score_histogram(counts: np.ndarray, edges: np.ndarray, threshold: float, path: Path, title: str) -> Path:
    """Histogram of stored scores (pre-binned counts) with the threshold line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4c72b0")
    ax.axvline(threshold, color="#c44e52", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_xlabel("P(educational)")
    ax.set_ylabel("documents")
    ax.set_yscale("symlog")
    ax.set_title(title)
    ax.legend(fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
