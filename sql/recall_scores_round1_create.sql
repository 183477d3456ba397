-- Round-1 scores: one row per document of the dump, kept or dropped with a reason.
CREATE TABLE IF NOT EXISTS recall_scores_round1 (
    dump VARCHAR, doc_id VARCHAR, url VARCHAR, domain VARCHAR, score DOUBLE, kept BOOLEAN,
    status VARCHAR, reason VARCHAR, threshold DOUBLE, classifier_sha256 VARCHAR
)
