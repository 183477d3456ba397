"""Pairwise judging: two tiny-model configurations answer test items, the judge sees both orders;
the parse-failure check reads its ceiling from the asset config."""

import polars as pl
import pytest

import dagster as dg
from mammoth_assets.defs.quality import ASSET_CHECKS, judge_answers, judge_verdicts
from mammoth_assets.defs.quality.judge_verdicts import parse_failure_check

from .helpers import check_results, checks_of, metadata_value, resources

@pytest.mark.slow
def test_judge_two_tiny_configurations_in_both_orders(warehouse, shared_data, tiny_model):
    model = str(tiny_model)
    config = {
        "judge_answers": {
            "test_sets": ["vicuna", "wizardlm"],
            "limit_per_set": 1,
            "model_a": {"label": "seed1", "seed": 1, "temperature": 1.0, "max_tokens": 24},
            "model_b": {"label": "seed2", "seed": 2, "temperature": 1.0, "max_tokens": 24},
        },
        "judge_verdicts": {"max_tokens": 16},
    }
    result = dg.materialize(
        [judge_answers, judge_verdicts, *checks_of(ASSET_CHECKS, "judge_verdicts")],
        instance=dg.DagsterInstance.ephemeral(), resources=resources(warehouse, model),
        run_config={"ops": {k: {"config": v} for k, v in config.items()}},
    )
    assert check_results(result) == {"judge_verdicts_parse_failure_rate": True, "judge_verdicts_reconciled": True}
    answers = warehouse.read_table("judge_answers")
    assert answers.height == 2 * 1 * 2  # sets x items x models
    assert set(answers["model_label"]) == {"seed1", "seed2"}
    assert (answers["status"] == "ok").all()
    by_model = answers.sort("test_set", "item_id").partition_by("model_role", as_dict=True)
    assert by_model[("a",)]["answer"].to_list() != by_model[("b",)]["answer"].to_list()

    verdicts = warehouse.read_table("judge_verdicts")
    assert verdicts.height == 2
    assert set(verdicts["verdict"]) <= {"win", "tie", "lose"}
    # Both orders were asked and parsed; the verdict is the paper's fold of the two outcomes.
    assert verdicts["a_first_raw"].is_not_null().all() and verdicts["b_first_raw"].is_not_null().all()
    assert (verdicts["a_first_parse_status"] == "first_line").all()
    assert metadata_value(result, "judge_verdicts", "llm_backend_requests") == 4
    table = metadata_value(result, "judge_verdicts", "win_tie_lose")
    assert "overall" in table and "vicuna" in table and "wizardlm" in table
    assert metadata_value(result, "judge_verdicts", "win_tie_lose_path").endswith(".png")
    overall = metadata_value(result, "judge_verdicts", "winning_score_overall")["seed1__vs__seed2"]
    wins = (verdicts["verdict"] == "win").sum()
    loses = (verdicts["verdict"] == "lose").sum()
    assert overall == pytest.approx((wins - loses) / 2 + 1)


def test_recipe_model_spec_resolves_to_the_recipe_checkpoint(warehouse):
    from mammoth_assets.defs.quality.judge_answers import resolve_model

    assert resolve_model(warehouse, "") == ""
    assert resolve_model(warehouse, "Qwen/Qwen2.5-7B") == "Qwen/Qwen2.5-7B"
    with pytest.raises(dg.Failure, match="no sft_checkpoint for training recipe 'alpagasus-7b'"):
        resolve_model(warehouse, "recipe:alpagasus-7b")
    warehouse.replace_partition("sft_checkpoint", "recipe", "alpagasus-7b", pl.DataFrame(
        {"recipe": ["alpagasus-7b"], "run_id": ["r1"], "checkpoint_path": ["/ckpt/alpagasus/model"]}))
    assert resolve_model(warehouse, "recipe:alpagasus-7b") == "/ckpt/alpagasus/model"
    with pytest.raises(dg.Failure):
        resolve_model(warehouse, "recipe:random-7b")


def test_parse_failure_check_fails_once_its_ceiling_is_crossed(warehouse):
    verdicts = pl.DataFrame({"comparison": ["c", "c"], "verdict": ["win", "unjudged"],
                             "decision": ["kept", "unparsed"]})
    warehouse.replace_table("judge_verdicts", verdicts)
    assert parse_failure_check(warehouse, 0.5).passed  # 1 of 2 items unparsed
    failed = parse_failure_check(warehouse, 0.4)
    assert not failed.passed and failed.metadata["comparisons_failing"].value == ["c"]
