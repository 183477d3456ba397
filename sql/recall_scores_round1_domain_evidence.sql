-- A few recalled pages per domain (stable random choice): title and text for the verdict prompt.
-- Round-1 kept pages have their text in web_document_texts (the recall floor is below the threshold).
SELECT s.domain, t.title, left(t.text, 2000) AS text, d.url
FROM recall_scores_round1 s
JOIN web_document_texts t ON t.shard_key = s.shard_key AND t.doc_id = s.doc_id
JOIN web_documents d ON d.shard_key = s.shard_key AND d.doc_id = s.doc_id
WHERE s.decision = 'kept' AND s.domain IN (SELECT unnest($domains::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY s.domain ORDER BY md5(s.dump || ':' || s.doc_id || ':' || $seed)) <= $pages
ORDER BY s.domain, md5(s.dump || ':' || s.doc_id || ':' || $seed)
