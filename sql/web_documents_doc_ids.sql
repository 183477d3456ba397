-- The documents of one shard (what each recall round scores).
SELECT doc_id FROM web_documents WHERE shard_key = $shard_key
