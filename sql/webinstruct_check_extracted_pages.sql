-- Reconciliation per dump: every decontaminated page ends as pairs, void or failed, and its pair
-- counts match the pair rows (proposed = kept + rejected).
WITH pages AS (SELECT dump, doc_id FROM decontaminated_documents WHERE status = 'kept' AND dump IN (SELECT DISTINCT dump FROM extracted_qa_pages)),
     out AS (SELECT * FROM extracted_qa_pages),
     pair_counts AS (SELECT dump, doc_id, count(*) AS proposed, count(*) FILTER (WHERE status = 'kept') AS kept FROM extracted_qa GROUP BY ALL)
SELECT dump,
       (SELECT count(*) FROM pages p WHERE p.dump = d.dump) AS rows_in,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump) AS rows_out,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump AND o.outcome = 'pairs') AS kept,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump AND o.outcome IN ('void', 'failed')) AS dropped,
       (SELECT count(*) FROM pages p ANTI JOIN out o USING (dump, doc_id) WHERE p.dump = d.dump) AS missing,
       (SELECT count(*) FROM out o ANTI JOIN pages p USING (dump, doc_id) WHERE o.dump = d.dump) AS unexpected,
       (SELECT count(*) FROM out o LEFT JOIN pair_counts c USING (dump, doc_id)
        WHERE o.dump = d.dump AND (o.pairs_proposed <> coalesce(c.proposed, 0) OR o.pairs_kept <> coalesce(c.kept, 0)
              OR (o.outcome = 'pairs') <> (coalesce(c.kept, 0) > 0))) AS inconsistent_pages
FROM (SELECT DISTINCT dump FROM extracted_qa_pages) d
ORDER BY dump
