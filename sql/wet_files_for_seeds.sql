-- WET files of one dump read for recall seeds: a stable random choice of at most $limit.
SELECT dump, file_index, shard, wet_file, warc_file, base_url
FROM wet_files
WHERE dump = $dump
ORDER BY md5(dump || ':' || wet_file || ':' || $seed)
LIMIT $limit
