-- Pages of one shard that passed recall, grouped by WARC file so each file is read once.
SELECT dump, shard, shard_key, doc_id, url, host, domain, language, title, text AS wet_text,
       wet_file, wet_record_id, warc_file, warc_record_id
FROM recalled_documents
WHERE shard_key = $shard_key AND decision = 'kept'
ORDER BY warc_file, doc_id
