-- Round-1 decisions of one shard.
SELECT doc_id, decision FROM recall_scores_round1 WHERE shard_key = $shard_key
