-- Rows into refinement, one shard: every kept pair once per refiner the run used (refined_qa_refiners).
SELECT p.pair_id, r.refiner
FROM extracted_qa p
JOIN refined_qa_refiners r ON r.shard_key = p.shard_key
WHERE p.shard_key = $shard_key AND p.decision = 'kept'
