-- Page decisions of extraction, one shard.
SELECT doc_id, decision FROM extracted_qa_pages WHERE shard_key = $shard_key
