-- The WET files of one shard of a dump, in listing order.
SELECT dump, file_index, shard, wet_file, warc_file, base_url, url
FROM wet_files
WHERE dump = $dump AND shard = $shard
ORDER BY file_index
