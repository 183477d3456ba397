-- Page texts of one shard that can be checked for benchmark overlap.
SELECT dump, doc_id, url, domain, page_text, structured_pairs
FROM page_texts
WHERE shard_key = $shard_key AND decision = 'kept'
ORDER BY doc_id
