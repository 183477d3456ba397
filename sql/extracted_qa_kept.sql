-- Grounded extracted pairs of one shard, the input of refinement.
SELECT dump, pair_id, doc_id, question, answer, method
FROM extracted_qa
WHERE shard_key = $shard_key AND decision = 'kept'
ORDER BY pair_id
