SELECT count(*) FROM page_texts WHERE shard_key = $shard_key AND status = 'ok'
