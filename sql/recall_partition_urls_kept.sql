-- url and decision of every scored document of one shard (to compare with ground-truth labels).
SELECT d.url, r.decision = 'kept' AS kept, r.score
FROM query_table($table) r
JOIN web_documents d ON d.shard_key = r.shard_key AND d.doc_id = r.doc_id
WHERE r.shard_key = $shard_key
