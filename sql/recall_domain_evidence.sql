-- A few recalled pages per domain (stable random choice): title and text for the verdict prompt.
SELECT s.domain, w.title, left(w.text, 2000) AS text, w.url
FROM recall_scores_round1 s
JOIN web_documents w ON w.dump = s.dump AND w.doc_id = s.doc_id
WHERE s.kept AND s.domain IN (SELECT unnest($domains::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY s.domain ORDER BY md5(s.dump || ':' || s.doc_id || ':' || $seed)) <= $pages
ORDER BY s.domain, md5(s.dump || ':' || s.doc_id || ':' || $seed)
