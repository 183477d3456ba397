-- A stable sample of one shard's documents for the metadata table (title where text was kept).
SELECT d.url, d.domain, d.language, d.length_chars, round(s.score, 3) AS round1_score,
       left(coalesce(t.title, ''), 70) AS title
FROM web_documents d
LEFT JOIN recall_scores_round1 s ON s.shard_key = d.shard_key AND s.doc_id = d.doc_id
LEFT JOIN web_document_texts t ON t.shard_key = d.shard_key AND t.doc_id = d.doc_id
WHERE d.shard_key = $shard_key
ORDER BY md5(d.doc_id)
LIMIT $limit
