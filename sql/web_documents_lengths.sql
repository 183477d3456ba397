-- Document lengths of one shard (for the length histogram).
SELECT length_chars FROM web_documents WHERE shard_key = $shard_key
