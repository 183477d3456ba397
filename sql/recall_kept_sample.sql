-- A few kept documents of one dump, best scores first, for the metadata sample table.
SELECT r.url, r.domain, round(r.score, 4) AS score, left(w.title, 80) AS title
FROM query_table($table) r
JOIN web_documents w ON w.dump = r.dump AND w.doc_id = r.doc_id
WHERE r.dump = $dump AND r.status = 'kept'
ORDER BY r.score DESC, r.url
LIMIT $limit
