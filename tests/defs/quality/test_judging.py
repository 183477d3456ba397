"""Pairwise judging: two tiny-model configurations answer test items, the judge sees both orders."""

import polars as pl
import pytest

import dagster as dg
from mammoth_assets.defs.quality import (
    judge_answers,
    judge_verdicts,
    judge_verdicts_parse_failure_rate,
)
from mammoth_assets.defs.quality.judging import (
    JudgeVerdictsConfig,
    UNJUDGED,
    verdict_row,
    win_tie_lose_table,
)
from mammoth_assets.llm.types import LLMResponse

from .helpers import check_results, metadata_value, resources

PAIR = {"comparison": "a__vs__b", "test_set": "vicuna", "item_id": "1", "model_a": "a", "model_b": "b"}


def response(text, error=None):
    return LLMResponse(request_id="r", cache_key="k", text=text, error=error, model_id="judge")


@pytest.mark.parametrize(
    ("a_first", "b_first", "verdict"),
    [
        ("8 6\nA better", "6 8\nA better", "win"),  # A wins in both orders
        ("8 6\nx", "7 7\nx", "win"),  # win + tie
        ("9 5\nfirst", "9 5\nfirst", "tie"),  # position bias: win + lose
        ("5 5\nx", "5 5\nx", "tie"),
        ("4 7\nx", "7 4\nx", "lose"),
        ("6 6\nx", "8 3\nx", "lose"),  # tie + lose
    ],
)
def test_verdict_row_maps_the_swapped_order_back(a_first, b_first, verdict):
    row = verdict_row(PAIR, response(a_first), response(b_first), "judge", "v", JudgeVerdictsConfig())
    assert row["verdict"] == verdict and row["reason"] is None


def test_unparsed_or_failed_judgements_are_unjudged_with_reason():
    row = verdict_row(PAIR, response("great answers"), response("8 7\nok"), "judge", "v",
                      JudgeVerdictsConfig())
    assert row["verdict"] == UNJUDGED and "A first" in row["reason"]
    assert row["a_first_raw"] == "great answers" and row["a_first_parse_status"] == "failed"
    row = verdict_row(PAIR, response("8 7"), response(None, error="timeout"), "judge", "v",
                      JudgeVerdictsConfig())
    assert row["verdict"] == UNJUDGED and "timeout" in row["reason"]


def test_win_tie_lose_table_per_set_and_overall():
    verdicts = pl.DataFrame({
        "comparison": ["c"] * 6,
        "test_set": ["vicuna"] * 3 + ["koala"] * 3,
        "item_id": list("123456"),
        "verdict": ["win", "win", "lose", "tie", UNJUDGED, "lose"],
    })
    table, bars = win_tie_lose_table(verdicts)
    rows = {r["test_set"]: r for r in table.to_dicts()}
    assert rows["vicuna"]["winning_score"] == pytest.approx((2 - 1) / 3 + 1)
    assert rows["koala"]["n"] == 2 and rows["koala"]["unjudged"] == 1
    assert rows["overall"]["win"] == 2 and rows["overall"]["n"] == 5
    assert rows["overall"]["winning_score"] == pytest.approx((2 - 2) / 5 + 1)
    assert len(bars) == 3


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
        [judge_answers, judge_verdicts, judge_verdicts_parse_failure_rate],
        instance=dg.DagsterInstance.ephemeral(), resources=resources(warehouse, model),
        run_config={"ops": {k: {"config": v} for k, v in config.items()}},
    )
    assert check_results(result) == {"judge_verdicts_parse_failure_rate": True}
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
    from mammoth_assets.defs.quality.judging import resolve_model

    assert resolve_model(warehouse, "") == ""
    assert resolve_model(warehouse, "Qwen/Qwen2.5-7B") == "Qwen/Qwen2.5-7B"
    with pytest.raises(dg.Failure, match="no sft_checkpoint for training recipe 'alpagasus-7b'"):
        resolve_model(warehouse, "recipe:alpagasus-7b")
    warehouse.replace_partition("sft_checkpoint", "recipe", "alpagasus-7b", pl.DataFrame(
        {"recipe": ["alpagasus-7b"], "run_id": ["r1"], "checkpoint_path": ["/ckpt/alpagasus/model"]}))
    assert resolve_model(warehouse, "recipe:alpagasus-7b") == "/ckpt/alpagasus/model"
    with pytest.raises(dg.Failure):
        resolve_model(warehouse, "recipe:random-7b")
