-- Rows into the pair stage of extraction, one shard: pair_index 0 .. pairs_proposed - 1 of every page.
SELECT doc_id, unnest(range(pairs_proposed)) AS pair_index
FROM extracted_qa_pages
WHERE shard_key = $shard_key
