"""The quality domain's Definitions and demo config are well-formed."""

import dagster as dg

from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.core.alpagasus import PAPER_THRESHOLD
from mammoth_assets.defs import quality
from mammoth_assets.defs.quality.examples import InstructionExamplesConfig
from mammoth_assets.defs.quality.judge_answers import JudgeAnswersConfig
from mammoth_assets.defs.quality.judge_verdicts import JudgeVerdictsConfig
from mammoth_assets.defs.quality.rating import RatingConfig
from mammoth_assets.defs.quality.subsets import AlpagasusSubsetConfig, RandomSubsetConfig
from mammoth_assets.defs.quality.tables import UsageTally

CONFIG_CLASSES = {
    "instruction_examples": InstructionExamplesConfig,
    "quality_scores": RatingConfig,
    "alpagasus_subset": AlpagasusSubsetConfig,
    "random_subset": RandomSubsetConfig,
    "judge_answers": JudgeAnswersConfig,
    "judge_verdicts": JudgeVerdictsConfig,
}


def test_demo_config_covers_every_asset_and_validates():
    demo = quality.demo_run_config()
    asset_names = {key.to_user_string() for a in quality.defs.assets for key in a.keys}
    assert set(demo) == asset_names == set(CONFIG_CLASSES)
    for name, config in demo.items():
        CONFIG_CLASSES[name](**config)  # raises on an unknown field or a wrong type


def test_demo_prompts_ship_with_the_package():
    for name in quality.demo_run_config()["judge_answers"]["test_sets"]:
        rows = list(sets.iter_examples(sets.find_declaration(name)))
        assert len(rows) >= 3 and all(r["status"] == "ok" for r in rows)


def test_paper_defaults():
    assert AlpagasusSubsetConfig().threshold == 4.5 == PAPER_THRESHOLD
    rating = RatingConfig()
    assert rating.dimension == "accuracy"
    assert JudgeAnswersConfig().test_sets == ["vicuna", "koala", "sinstruct", "wizardlm"]


def test_definitions_load_with_checks_and_sensor():
    from mammoth_assets.definitions import defs

    repository = defs.get_repository_def()
    assert repository.has_sensor_def("instruction_set_sensor")
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert {"quality_scores_parse_failure_rate", "alpagasus_subset_matches_scores",
            "random_subset_size_and_reproducible", "judge_verdicts_parse_failure_rate",
            "instruction_examples_accounted", "alpagasus_subset_reconciled", "random_subset_reconciled",
            "judge_verdicts_reconciled"} <= checks
    # Every other quality check is declared on its asset (check_specs); the reconciliations are generated.
    declared = {spec.name for asset in quality.ASSETS for spec in asset.check_specs}
    assert declared == {"instruction_examples_accounted", "quality_scores_parse_failure_rate",
                        "alpagasus_subset_matches_scores", "random_subset_size_and_reproducible",
                        "judge_verdicts_parse_failure_rate"}


def test_usage_tally_adds_batches():
    tally = UsageTally()
    tally.add({"llm_requests": 4, "llm_cache_hits": 1, "llm_backend_requests": 3,
               "llm_completion_tokens": 30, "llm_backend_seconds": 3.0, "llm_model_id": "m",
               "llm_failure_reasons": dg.MetadataValue.json({"timeout": 1})})
    tally.add({"llm_requests": 4, "llm_cache_hits": 4, "llm_backend_requests": 0,
               "llm_completion_tokens": 0, "llm_backend_seconds": 0.0,
               "llm_failure_reasons": dg.MetadataValue.json({"timeout": 2})})
    metadata = tally.metadata()
    assert metadata["llm_requests"] == 8 and metadata["llm_backend_requests"] == 3
    assert metadata["llm_cache_hit_rate"] == 0.625
    assert metadata["llm_tokens_per_s"] == 10.0
    assert metadata["llm_failure_reasons"].data == {"timeout": 3}
    assert metadata["llm_model_id"] == "m"
