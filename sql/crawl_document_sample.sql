-- A stable sample of one dump's documents for the metadata table.
SELECT url, domain, language, length_chars, left(coalesce(title, ''), 70) AS title
FROM web_documents
WHERE dump = $dump
ORDER BY md5(doc_id)
LIMIT $limit
