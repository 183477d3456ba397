-- Rows of one dump in a per-shard table, and how many of its shards have rows there.
SELECT count(*) AS rows, count(DISTINCT shard) AS shards_with_rows FROM query_table($table) WHERE dump = $dump
