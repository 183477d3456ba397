-- The trained model of a classifier table (one row per materialization; the newest wins).
SELECT * FROM query_table($table) ORDER BY trained_at DESC LIMIT 1
