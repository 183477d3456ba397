-- Reconciliation of one dump: every ok page text is decided once, kept or contaminated.
WITH pages AS (SELECT doc_id FROM page_texts WHERE status = 'ok' AND shard_key = $shard_key),
     out AS (SELECT doc_id, status, matched_item_id FROM decontaminated_documents WHERE shard_key = $shard_key)
SELECT $shard_key AS dump,
       (SELECT count(*) FROM pages) AS rows_in,
       (SELECT count(*) FROM out) AS rows_out,
       (SELECT count(*) FROM out WHERE status = 'kept') AS kept,
       (SELECT count(*) FROM out WHERE status = 'contaminated') AS dropped,
       (SELECT count(*) FROM pages p ANTI JOIN out o USING (doc_id)) AS missing,
       (SELECT count(*) FROM out o ANTI JOIN pages p USING (doc_id)) AS unexpected,
       (SELECT count(*) FROM out WHERE status = 'contaminated' AND matched_item_id IS NULL) AS inconsistent_pages
