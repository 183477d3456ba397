"""Plots in metadata are embedded PNGs (a data URI), never links to files the browser cannot open."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mammoth_assets.defs import plots  # noqa: E402


def _png(path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(3, 2))
    axes.bar(["a", "b"], [1, 2])
    figure.savefig(path, dpi=60)
    plt.close(figure)
    return path


def test_a_plot_becomes_a_data_uri_that_decodes_to_the_same_png(tmp_path: Path) -> None:
    path = _png(tmp_path / "bars.png")
    value = plots.embedded_png(path, "bars [per] reason")
    assert value.value.startswith("![bars  per  reason](data:image/png;base64,")
    assert "file://" not in value.value and str(tmp_path) not in value.value
    assert plots.embedded_png_bytes(value.value) == path.read_bytes()


def test_an_oversized_image_is_named_not_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _png(tmp_path / "big.png")
    monkeypatch.setattr(plots, "MAX_EMBEDDED_BYTES", 10)
    value = plots.embedded_png(path, "big")
    assert "too large to embed" in value.value and str(path) in value.value
    with pytest.raises(ValueError):
        plots.embedded_png_bytes(value.value)
