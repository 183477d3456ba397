"""The decision-stage skeleton: decisions, vocabulary, counts, and the reconciliation SQL run on
a real DuckDB."""

import duckdb
import pytest

from mammoth_assets.core.decisions import (
    KEEP,
    STAGES,
    DecisionCounts,
    Reconciliation,
    Stage,
    UnknownReason,
    decision_counts_sql,
    drop,
    reconciliation_sql,
)
from mammoth_assets.paths import SQL_DIR

TOY = Stage(
    name="toy_filter",
    asset="toy",
    description="toy",
    reasons={"too_short": "fewer than 3 words", "off_topic": "not about maths"},
    keys=("doc_id",),
    inputs_sql="toy_in",
    decisions_sql="toy_decided",
)
INPUTS = "SELECT doc_id FROM rows_in_table WHERE shard_key = $shard_key"
DECIDED = "SELECT doc_id, decision FROM decided_table WHERE shard_key = $shard_key;"


def test_a_decision_is_kept_or_a_reason_with_detail():
    assert KEEP.kept and KEEP.columns() == {"decision": "kept", "decision_detail": ""}
    dropped = drop("too_short", "2 words")
    assert not dropped.kept and dropped.columns() == {"decision": "too_short", "decision_detail": "2 words"}
    with pytest.raises(ValueError):
        drop("kept")


def test_a_reason_outside_the_vocabulary_is_refused():
    assert TOY.validate(drop("off_topic")) == "off_topic"
    with pytest.raises(UnknownReason, match="not in its vocabulary"):
        TOY.validate(drop("spam"))
    counts = DecisionCounts(TOY)
    with pytest.raises(UnknownReason):
        counts.add(["kept", "spam"])


def test_a_stage_declaration_is_checked():
    with pytest.raises(ValueError, match="keep decision"):
        Stage("s", "a", "d", {"kept": "x"}, ("k",), "i", "o")
    with pytest.raises(ValueError, match="lower_snake_case"):
        Stage("s", "a", "d", {"Bad Reason": "x"}, ("k",), "i", "o")
    with pytest.raises(ValueError, match="key column"):
        Stage("s", "a", "d", {}, (), "i", "o")


def test_counts_by_reason_list_every_declared_reason():
    counts = DecisionCounts(TOY)
    counts.add([KEEP, KEEP, drop("too_short"), "kept"])
    counts.update({"too_short": 2})
    assert counts.summary() == {"rows_in": 6, "kept": 3, "dropped": 3}
    assert counts.by_reason() == {"too_short": 3, "off_topic": 0}
    table = counts.markdown()
    assert "| too_short | 3 | fewer than 3 words |" in table and "| off_topic | 0 |" in table


def _reconcile(con, partition="d|0") -> Reconciliation:
    params = {"shard_key": partition}
    rows_in, rows_out, missing, unexpected = con.execute(reconciliation_sql(TOY, INPUTS, DECIDED), params).fetchone()
    counts = dict(con.execute(decision_counts_sql(DECIDED), params).fetchall())
    return Reconciliation(partition, rows_in, rows_out, missing, unexpected, counts)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE rows_in_table AS SELECT 'd|0' AS shard_key, 'doc' || i AS doc_id FROM range(5) t(i)")
    con.execute(
        "CREATE TABLE decided_table AS SELECT shard_key, doc_id, "
        "CASE WHEN doc_id IN ('doc0', 'doc1') THEN 'too_short' ELSE 'kept' END AS decision FROM rows_in_table"
    )
    return con


def test_reconciliation_passes_when_every_row_in_is_decided_once(con):
    found = _reconcile(con)
    assert (found.rows_in, found.rows_out, found.kept, found.dropped) == (5, 5, 3, 2)
    assert found.problems(TOY) == []


def test_reconciliation_fails_on_a_lost_row(con):
    con.execute("DELETE FROM decided_table WHERE doc_id = 'doc3'")
    problems = _reconcile(con).problems(TOY)
    assert any("rows in 5 != kept 2 + dropped 2" in p for p in problems)
    assert any("1 input keys without their decision" in p for p in problems)


def test_reconciliation_fails_on_a_row_decided_twice_even_when_totals_match(con):
    con.execute("DELETE FROM decided_table WHERE doc_id = 'doc3'")
    con.execute("INSERT INTO decided_table VALUES ('d|0', 'doc4', 'kept')")
    found = _reconcile(con)
    assert found.rows_in == found.kept + found.dropped
    assert any("decided twice" in p for p in found.problems(TOY))


def test_reconciliation_fails_on_an_undeclared_or_missing_reason(con):
    con.execute("UPDATE decided_table SET decision = 'spam' WHERE doc_id = 'doc0'")
    con.execute("UPDATE decided_table SET decision = NULL WHERE doc_id = 'doc1'")
    assert any("outside the vocabulary: (null), spam" in p for p in _reconcile(con).problems(TOY))


def test_a_key_that_repeats_in_the_input_must_be_decided_as_often(con):
    con.execute("INSERT INTO rows_in_table VALUES ('d|0', 'doc4')")
    found = _reconcile(con)
    assert found.rows_in == 6 and found.missing == 1


def test_other_partitions_are_not_counted(con):
    con.execute("INSERT INTO rows_in_table VALUES ('d|1', 'doc9')")
    assert _reconcile(con).problems(TOY) == []
    assert _reconcile(con, "d|1").missing == 1


@pytest.mark.parametrize("name", sorted(STAGES))
def test_every_registered_stage_has_its_sql_files_and_documents_its_reasons(name):
    stage = STAGES[name]
    for sql in (stage.inputs_sql, stage.decisions_sql):
        text = (SQL_DIR / f"{sql}.sql").read_text()
        if stage.partition_column:
            assert f"${stage.partition_column}" in text, f"{sql}.sql must bind ${stage.partition_column}"
    assert all(meaning.strip() for meaning in stage.reasons.values())
