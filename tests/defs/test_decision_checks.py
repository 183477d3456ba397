"""The reconciliation checks generated from the decision registry read the real tables and fail on
a doctored one."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.core.decisions import STAGES, Stage
from mammoth_assets.defs.decision_checks import reconciliation_check, reconciliation_checks, reconciliation_result
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.core.decisions import UnknownReason
from mammoth_assets.warehouse import ParquetStager, Warehouse

TOY = Stage(
    name="toy_filter",
    asset="toy",
    description="Toy rows are kept or too short.",
    reasons={"too_short": "fewer than 3 words"},
    keys=("doc_id",),
    inputs_sql="toy_rows_kept",
    decisions_sql="toy_filter_decided",
    partitioning="dump",
)


@pytest.fixture
def toy_warehouse(tmp_path: Path) -> Warehouse:
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "toy_rows_kept.sql").write_text("SELECT doc_id FROM toy_rows WHERE dump = $dump")
    (sql / "toy_filter_decided.sql").write_text("SELECT doc_id, decision FROM toy_filter WHERE dump = $dump")
    wh = Warehouse(path=tmp_path / "wh.duckdb", staging_root=tmp_path / "staging", sql_dir=sql)
    wh.replace_table("toy_rows", pl.DataFrame({"dump": ["A"] * 4, "doc_id": ["a", "b", "c", "d"]}))
    return wh


def _write_decisions(wh: Warehouse, decisions: dict[str, str]) -> DecisionWriter:
    writer = DecisionWriter(TOY, ParquetStager(wh.staging_dir("toy_filter", "A")))
    writer.write(pl.DataFrame({"dump": "A", "doc_id": list(decisions), "decision": list(decisions.values()),
                               "decision_detail": ""}))
    wh.replace_table("toy_filter", writer.stager.files)
    return writer


def test_the_writer_counts_and_reports_what_it_stages(toy_warehouse):
    writer = _write_decisions(toy_warehouse, {"a": "kept", "b": "too_short", "c": "kept", "d": "kept"})
    meta = writer.metadata()
    assert (meta["rows_in"], meta["kept"], meta["dropped"]) == (4, 3, 1)
    assert "| too_short | 1 | fewer than 3 words |" in meta["decisions"].value
    assert writer.dropped_sample[0]["doc_id"] == "b"


def test_the_writer_refuses_an_undeclared_reason_before_writing(toy_warehouse):
    writer = DecisionWriter(TOY, ParquetStager(toy_warehouse.staging_dir("toy_filter", "A")))
    with pytest.raises(UnknownReason):
        writer.write(pl.DataFrame({"doc_id": ["a"], "decision": ["spam"]}))
    assert writer.stager.files == []


def test_the_check_passes_on_reconciled_tables(toy_warehouse):
    _write_decisions(toy_warehouse, {"a": "kept", "b": "too_short", "c": "kept", "d": "kept"})
    result = reconciliation_result(toy_warehouse, TOY, "A")
    assert result.passed, result.description
    assert result.metadata["kept"].value == 3 and result.metadata["dropped"].value == 1


@pytest.mark.parametrize(
    "doctor, expected",
    [
        ("DELETE FROM toy_filter WHERE doc_id = 'c'", "input keys without their decision"),
        ("INSERT INTO toy_filter VALUES ('A', 'a', 'kept', '')", "decided twice"),
        ("UPDATE toy_filter SET decision = 'spam' WHERE doc_id = 'b'", "outside the vocabulary: spam"),
        ("UPDATE toy_filter SET doc_id = 'z' WHERE doc_id = 'd'", "not in the input"),
    ],
)
def test_the_check_fails_on_a_doctored_table(toy_warehouse, doctor, expected):
    _write_decisions(toy_warehouse, {"a": "kept", "b": "too_short", "c": "kept", "d": "kept"})
    with toy_warehouse.connect() as con:
        con.execute(doctor)
    result = reconciliation_result(toy_warehouse, TOY, "A")
    assert not result.passed and expected in result.description


def test_the_check_fails_when_the_stage_never_wrote_its_table(toy_warehouse):
    result = reconciliation_result(toy_warehouse, TOY, "A")
    assert not result.passed and "cannot reconcile A" in result.description


def test_one_blocking_check_per_registered_stage_partitioned_like_it():
    checks = reconciliation_checks()
    specs = [spec for check in checks for spec in check.check_specs]
    assert sorted(spec.name for spec in specs) == sorted(s.check_name for s in STAGES.values())
    assert all(spec.blocking for spec in specs)
    by_name = {spec.name: spec for spec in specs}
    for stage in STAGES.values():
        assert by_name[stage.check_name].asset_key == dg.AssetKey(stage.asset)
    assert reconciliation_check(TOY).check_specs  # a stage outside the registry gets one too
