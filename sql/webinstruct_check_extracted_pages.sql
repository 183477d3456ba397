-- Reconciliation of one dump: every decontaminated page ends as pairs, void or failed (with a
-- reason), and its pair counts match the pair rows (proposed = kept + rejected).
WITH pages AS (SELECT doc_id FROM decontaminated_documents WHERE status = 'kept' AND shard_key = $shard_key),
     out AS (SELECT * FROM extracted_qa_pages WHERE shard_key = $shard_key),
     pair_counts AS (SELECT doc_id, count(*) AS proposed, count(*) FILTER (WHERE status = 'kept') AS kept,
                            count(*) FILTER (WHERE status <> 'kept' AND coalesce(reason, '') = '') AS unexplained
                     FROM extracted_qa WHERE shard_key = $shard_key GROUP BY doc_id)
SELECT $shard_key AS dump,
       (SELECT count(*) FROM pages) AS rows_in,
       (SELECT count(*) FROM out) AS rows_out,
       (SELECT count(*) FROM out WHERE outcome = 'pairs') AS kept,
       (SELECT count(*) FROM out WHERE outcome IN ('void', 'failed')) AS dropped,
       (SELECT count(*) FROM pages p ANTI JOIN out o USING (doc_id)) AS missing,
       (SELECT count(*) FROM out o ANTI JOIN pages p USING (doc_id)) AS unexpected,
       (SELECT count(*) FROM out o LEFT JOIN pair_counts c USING (doc_id)
        WHERE o.pairs_proposed <> coalesce(c.proposed, 0) OR o.pairs_kept <> coalesce(c.kept, 0)
              OR (o.outcome = 'pairs') <> (coalesce(c.kept, 0) > 0) OR coalesce(c.unexplained, 0) > 0
              OR (o.outcome = 'failed' AND coalesce(o.reason, '') = '')) AS inconsistent_pages
