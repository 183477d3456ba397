-- Round-2 decisions of one shard.
SELECT doc_id, decision FROM recalled_documents WHERE shard_key = $shard_key
