-- Scored/kept/dropped counts of one shard in a recall scoring table, against web_documents.
SELECT
    (SELECT count(*) FROM web_documents WHERE shard_key = $shard_key) AS documents,
    count(*) AS scored,
    count(*) FILTER (WHERE status = 'kept') AS kept,
    count(*) FILTER (WHERE status = 'dropped') AS dropped,
    count(*) FILTER (WHERE reason = 'below_threshold') AS dropped_below_threshold,
    count(*) FILTER (WHERE kept <> (status = 'kept')) AS inconsistent
FROM query_table($table)
WHERE shard_key = $shard_key
