-- Scored/kept/dropped counts of one shard in a recall scoring table (the recall rate and metadata;
-- reconciliation against web_documents is the generated check of the stage).
SELECT
    count(*) AS scored,
    count(*) FILTER (WHERE decision = 'kept') AS kept,
    count(*) FILTER (WHERE decision <> 'kept') AS dropped
FROM query_table($table)
WHERE shard_key = $shard_key
