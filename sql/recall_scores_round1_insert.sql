-- Staged round-1 scores of one shard; the threshold is applied here, so it can move later in SQL
-- without re-scoring.
INSERT INTO recall_scores_round1 BY NAME
SELECT dump, shard, shard_key, doc_id, domain, score,
       CASE WHEN score >= $threshold THEN 'kept' ELSE 'below_threshold' END AS decision,
       CASE WHEN score >= $threshold THEN '' ELSE 'score ' || round(score, 4) || ' < ' || $threshold END AS decision_detail,
       $threshold AS threshold, $classifier_sha256 AS classifier_sha256
FROM read_parquet($files)
WHERE shard_key = $shard_key
