-- Reconciliation of one dump: every kept recalled page has exactly one page_texts row (ok or failed).
WITH recalled AS (SELECT doc_id FROM recalled_documents WHERE kept AND shard_key = $shard_key),
     out AS (SELECT doc_id, status FROM page_texts WHERE shard_key = $shard_key)
SELECT $shard_key AS dump,
       (SELECT count(*) FROM recalled) AS rows_in,
       (SELECT count(*) FROM out) AS rows_out,
       (SELECT count(*) FROM out WHERE status = 'ok') AS kept,
       (SELECT count(*) FROM out WHERE status <> 'ok') AS dropped,
       (SELECT count(*) FROM recalled r ANTI JOIN out o USING (doc_id)) AS missing,
       (SELECT count(*) FROM out o ANTI JOIN recalled r USING (doc_id)) AS unexpected,
       0 AS inconsistent_pages
