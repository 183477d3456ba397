"""A warehouse written before the decision stages (status/reason columns, no `decision`) keeps
working: the next materialization adds the columns, and the generated check names the old rows."""

import polars as pl

from mammoth_assets.core.decisions import registry
from mammoth_assets.defs.decision_checks import reconciliation_result
from mammoth_assets.defs.shard_tables import ShardPartition, TableSwap, swap_shard
from mammoth_assets.defs.webinstruct.common import swap_partition
from mammoth_assets.defs.webinstruct.page_texts import PAGE_TEXT_SCHEMA
from mammoth_assets.warehouse import ParquetStager, Warehouse

OLD, NEW = ShardPartition("CC-MAIN-2024-10", "00000"), ShardPartition("CC-MAIN-2024-10", "00001")


def test_an_old_page_texts_table_gains_the_decision_columns(warehouse: Warehouse):
    with warehouse.connect() as con:
        con.execute("CREATE TABLE page_texts (dump VARCHAR, doc_id VARCHAR, status VARCHAR, reason VARCHAR, "
                    "shard VARCHAR, shard_key VARCHAR)")
        con.execute("INSERT INTO page_texts VALUES ('CC-MAIN-2024-10', 'old', 'ok', '', '00000', $k)", {"k": OLD.key})
    stager = ParquetStager(warehouse.staging_dir("page_texts", NEW.dump, NEW.shard))
    row = {column: None for column in PAGE_TEXT_SCHEMA} | {"dump": NEW.dump, "doc_id": "new", "decision": "kept",
                                                          "decision_detail": ""}
    stager.write(pl.DataFrame([row], schema=PAGE_TEXT_SCHEMA))
    assert swap_partition(warehouse, "page_texts", NEW, stager, PAGE_TEXT_SCHEMA) == 1
    table = warehouse.read_table("page_texts").sort("doc_id")
    assert table["decision"].to_list() == ["kept", None]
    swap_shard(warehouse, OLD, [TableSwap("recalled_documents", pl.DataFrame(
        {"dump": [OLD.dump], "shard": [OLD.shard], "shard_key": [OLD.key], "doc_id": ["old"]}), "recalled_documents_create")])
    old = reconciliation_result(warehouse, registry.PAGE_TEXTS, OLD.key)
    assert not old.passed and "(null)" in old.description  # re-materialize the old shard


def test_an_old_recall_table_gains_the_decision_columns(warehouse: Warehouse):
    with warehouse.connect() as con:
        con.execute("CREATE TABLE recall_scores_round1 (dump VARCHAR NOT NULL, shard VARCHAR NOT NULL, "
                    "shard_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, domain VARCHAR, score FLOAT, kept BOOLEAN, "
                    "status VARCHAR, reason VARCHAR, threshold DOUBLE, classifier_sha256 VARCHAR)")
    frame = pl.DataFrame({"dump": [NEW.dump], "shard": [NEW.shard], "shard_key": [NEW.key], "doc_id": ["d"],
                          "domain": ["x.org"], "score": [0.9], "decision": ["kept"], "decision_detail": [""]})
    swap_shard(warehouse, NEW, [TableSwap("recall_scores_round1", frame, "recall_scores_round1_create")])
    assert warehouse.read_table("recall_scores_round1")["decision"].to_list() == ["kept"]
