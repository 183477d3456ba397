-- The WET files selected for one dump, in listing order.
SELECT dump, file_index, shard, wet_file, warc_file, base_url, url
FROM wet_files
WHERE dump = $dump
ORDER BY file_index
