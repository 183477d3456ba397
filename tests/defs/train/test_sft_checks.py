"""The checks declared on sft_checkpoint read their thresholds from the asset's config and fail once
a threshold is crossed (no training needed: a run directory with a loss log is enough)."""

import json
import math

import pytest

from mammoth_assets.defs.train import checks
from mammoth_assets.defs.train.assets import SFTCheckpointConfig, sft_checkpoint


def run_dir_with_losses(tmp_path, losses):
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps({"step": i, "loss": v}) + "\n" for i, v in enumerate(losses)))
    return {"run_dir": str(tmp_path), "train_loss": losses[-1]}


def test_every_check_is_declared_on_the_asset_with_its_thresholds_in_the_asset_config():
    assert {spec.name for spec in sft_checkpoint.check_specs} == {
        "sft_loss_decreased", "sft_loss_finite", "sft_checkpoint_generates", "sft_examples_accounted"}
    config = SFTCheckpointConfig()
    assert (config.loss_window, config.min_relative_loss_drop, config.generate_timeout_s) == (3, 0.0, 1800.0)


@pytest.mark.parametrize(("min_drop", "passed"), [(0.0, True), (0.4, True), (0.5, False)])
def test_loss_decreased_fails_once_the_required_drop_is_crossed(tmp_path, min_drop, passed):
    row = run_dir_with_losses(tmp_path, [2.0, 2.0, 1.0, 1.0])  # mean 2.0 -> 1.0 over windows of 2: drop 0.5
    result = checks.loss_decreased(row, window=2, min_relative_drop=min_drop)
    assert result.passed is passed and result.metadata["relative_drop"].value == pytest.approx(0.5)


def test_a_rising_or_non_finite_loss_fails(tmp_path):
    assert not checks.loss_decreased(run_dir_with_losses(tmp_path, [1.0, 1.0, 2.0, 2.0]), 2, 0.0).passed
    row = run_dir_with_losses(tmp_path, [2.0, math.inf, 1.0])
    assert not checks.loss_finite(row).passed
    assert checks.loss_finite(run_dir_with_losses(tmp_path, [2.0, 1.5, 1.0])).passed
