-- The shards of one dump with their file counts (from wet_files).
SELECT shard, count(*) AS files
FROM wet_files
WHERE dump = $dump
GROUP BY shard
ORDER BY shard
