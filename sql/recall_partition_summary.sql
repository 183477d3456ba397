-- Scored/kept/dropped counts of one dump in a recall scoring table, against web_documents.
SELECT
    (SELECT count(*) FROM web_documents WHERE dump = $dump) AS documents,
    count(*) AS scored,
    count(*) FILTER (WHERE status = 'kept') AS kept,
    count(*) FILTER (WHERE status = 'dropped') AS dropped,
    count(*) FILTER (WHERE reason = 'below_threshold') AS dropped_below_threshold,
    count(*) FILTER (WHERE reason = 'empty_text') AS dropped_empty_text,
    count(*) FILTER (WHERE kept <> (status = 'kept')) AS inconsistent
FROM query_table($table)
WHERE dump = $dump
