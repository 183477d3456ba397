-- doc_ids that occur more than once within one shard, with how often (the dump-wide count runs
-- once per dump, in dump_progress: a per-shard scan of the whole dump would grow with the dump).
SELECT doc_id, count(*) AS copies
FROM web_documents
WHERE shard_key = $shard_key
GROUP BY doc_id
HAVING count(*) > 1
ORDER BY copies DESC, doc_id
LIMIT 20
