-- The current file -> shard layout of one dump (to tell whether a new listing changes it).
SELECT wet_file, shard FROM wet_files WHERE dump = $dump ORDER BY wet_file
