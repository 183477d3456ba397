-- A few kept documents of one shard, best scores first, for the metadata sample table.
SELECT d.url, d.domain, round(r.score, 4) AS score, left(t.title, 80) AS title
FROM query_table($table) r
JOIN web_documents d ON d.shard_key = r.shard_key AND d.doc_id = r.doc_id
LEFT JOIN web_document_texts t ON t.shard_key = r.shard_key AND t.doc_id = r.doc_id
WHERE r.shard_key = $shard_key AND r.decision = 'kept'
ORDER BY r.score DESC, d.url
LIMIT $limit
