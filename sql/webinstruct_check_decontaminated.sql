-- Reconciliation per dump: every ok page text is decided once, kept or contaminated.
WITH pages AS (SELECT dump, doc_id FROM page_texts WHERE status = 'ok' AND dump IN (SELECT DISTINCT dump FROM decontaminated_documents)),
     out AS (SELECT dump, doc_id, status FROM decontaminated_documents)
SELECT dump,
       (SELECT count(*) FROM pages p WHERE p.dump = d.dump) AS rows_in,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump) AS rows_out,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump AND o.status = 'kept') AS kept,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump AND o.status = 'contaminated') AS dropped,
       (SELECT count(*) FROM pages p ANTI JOIN out o USING (dump, doc_id) WHERE p.dump = d.dump) AS missing,
       (SELECT count(*) FROM out o ANTI JOIN pages p USING (dump, doc_id) WHERE o.dump = d.dump) AS unexpected
FROM (SELECT DISTINCT dump FROM decontaminated_documents) d
ORDER BY dump
