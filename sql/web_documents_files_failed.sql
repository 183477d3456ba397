-- WET files of one shard that could not be read (download or open failed), with the error.
SELECT wet_file, error
FROM web_documents_files
WHERE shard_key = $shard_key AND error IS NOT NULL
ORDER BY wet_file
