-- doc_ids of one shard that occur more than once within its dump, with how often.
SELECT doc_id, count(*) AS copies
FROM web_documents
WHERE dump = $dump AND doc_id IN (SELECT doc_id FROM web_documents WHERE shard_key = $shard_key)
GROUP BY doc_id
HAVING count(*) > 1
ORDER BY copies DESC, doc_id
LIMIT 20
