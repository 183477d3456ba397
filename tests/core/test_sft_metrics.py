"""Loss-log reading (resumed runs), trend, NaN detection, MFU and the plot."""

from __future__ import annotations

import json
import math

import pytest

from mammoth_assets.core.sft.metrics import (
    has_nan,
    loss_trend,
    model_flops_utilization,
    peak_flops_for,
    plot_loss_curve,
    read_loss_log,
)


def test_resumed_steps_replace_the_crashed_ones(tmp_path):
    log = tmp_path / "metrics.jsonl"
    entries = [(1, 5.0), (2, 4.5), (3, 4.4), (2, 4.6), (3, 4.3), (4, 4.0)]  # crash after 3, resume at 2
    log.write_text("".join(json.dumps({"step": s, "loss": l}) + "\n" for s, l in entries))

    assert [(e["step"], e["loss"]) for e in read_loss_log(log)] == [(1, 5.0), (2, 4.6), (3, 4.3), (4, 4.0)]


def test_trend_and_nan():
    trend = loss_trend([6.0, 5.0, 4.0, 3.0], window=2)

    assert (trend.first, trend.last) == (5.5, 3.5) and trend.relative_drop == pytest.approx(2 / 5.5)
    assert loss_trend([3.0, 4.0]).relative_drop < 0
    assert has_nan([1.0, math.nan]) and has_nan([math.inf]) and not has_nan([1.0])
    with pytest.raises(ValueError):
        loss_trend([1.0])


def test_mfu_needs_a_known_peak():
    assert peak_flops_for("NVIDIA H100 80GB HBM3") == 989e12
    assert model_flops_utilization(1_000_000_000, 10_000, 1, 989e12) == pytest.approx(6e13 / 989e12)
    assert model_flops_utilization(10, 10, 1, peak_flops_for("cpu")) is None


def test_plot_is_written(tmp_path):
    path = plot_loss_curve([1, 2, 3], [3.0, 2.0, 1.5], tmp_path / "plots" / "loss.png", "t")

    assert path.read_bytes()[:4] == b"\x89PNG"
