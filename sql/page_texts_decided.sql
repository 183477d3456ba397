-- page_texts decisions of one shard.
SELECT doc_id, decision FROM page_texts WHERE shard_key = $shard_key
