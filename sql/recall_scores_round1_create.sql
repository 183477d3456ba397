-- Round-1 scores: one row per document of a shard, kept or dropped with a reason
-- (decision stage recall_scores_round1, core/decisions/registry.py).
CREATE TABLE IF NOT EXISTS recall_scores_round1 (
    dump VARCHAR NOT NULL, shard VARCHAR NOT NULL, shard_key VARCHAR NOT NULL, doc_id VARCHAR NOT NULL,
    domain VARCHAR, score FLOAT, decision VARCHAR, decision_detail VARCHAR, threshold DOUBLE,
    classifier_sha256 VARCHAR
);
-- A warehouse written before decision stages gains the columns (old rows: NULL until re-materialized).
ALTER TABLE recall_scores_round1 ADD COLUMN IF NOT EXISTS decision VARCHAR;
ALTER TABLE recall_scores_round1 ADD COLUMN IF NOT EXISTS decision_detail VARCHAR
