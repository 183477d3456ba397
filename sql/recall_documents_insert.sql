-- Staged round-2 scores of one shard, with the kept decision (threshold applied in SQL).
INSERT INTO recalled_documents BY NAME
SELECT * EXCLUDE (length_chars), length_chars,
       score >= $threshold AS kept,
       CASE WHEN score >= $threshold THEN 'kept' ELSE 'dropped' END AS status,
       CASE WHEN score < $threshold THEN 'below_threshold' END AS reason,
       $threshold AS threshold, $classifier_sha256 AS classifier_sha256
FROM read_parquet($files)
WHERE shard_key = $shard_key
