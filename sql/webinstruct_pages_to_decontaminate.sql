-- Page texts of one dump that can be checked for benchmark overlap.
SELECT dump, doc_id, url, domain, page_text, structured_pairs
FROM page_texts
WHERE dump = $dump AND status = 'ok'
ORDER BY doc_id
