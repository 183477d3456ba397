-- Refinement decisions of one shard.
SELECT pair_id, refiner, decision FROM refined_qa WHERE shard_key = $shard_key
