-- Staged round-1 scores of one shard; the threshold is applied here, so it can move later in SQL
-- without re-scoring.
INSERT INTO recall_scores_round1 BY NAME
SELECT dump, shard, shard_key, doc_id, domain, score,
       score >= $threshold AS kept,
       CASE WHEN score >= $threshold THEN 'kept' ELSE 'dropped' END AS status,
       CASE WHEN score < $threshold THEN 'below_threshold' END AS reason,
       $threshold AS threshold, $classifier_sha256 AS classifier_sha256
FROM read_parquet($files)
WHERE shard_key = $shard_key
