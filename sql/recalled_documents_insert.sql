-- Staged round-2 scores of one shard, with the kept decision (threshold applied in SQL).
INSERT INTO recalled_documents BY NAME
SELECT * EXCLUDE (length_chars), length_chars,
       CASE WHEN score >= $threshold THEN 'kept' ELSE 'below_threshold' END AS decision,
       CASE WHEN score >= $threshold THEN '' ELSE 'score ' || round(score, 4) || ' < ' || $threshold END AS decision_detail,
       $threshold AS threshold, $classifier_sha256 AS classifier_sha256
FROM read_parquet($files)
WHERE shard_key = $shard_key
