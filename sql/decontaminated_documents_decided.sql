-- decontaminated_documents decisions of one shard.
SELECT doc_id, decision FROM decontaminated_documents WHERE shard_key = $shard_key
