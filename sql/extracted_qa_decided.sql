-- Pair decisions of extraction, one shard.
SELECT doc_id, pair_index, decision FROM extracted_qa WHERE shard_key = $shard_key
