-- Reconciliation per dump: every kept recalled page has exactly one page_texts row (ok or failed).
WITH recalled AS (SELECT dump, doc_id FROM recalled_documents WHERE kept AND dump IN (SELECT DISTINCT dump FROM page_texts)),
     out AS (SELECT dump, doc_id, status FROM page_texts)
SELECT dump,
       (SELECT count(*) FROM recalled r WHERE r.dump = d.dump) AS rows_in,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump) AS rows_out,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump AND o.status = 'ok') AS kept,
       (SELECT count(*) FROM out o WHERE o.dump = d.dump AND o.status <> 'ok') AS dropped,
       (SELECT count(*) FROM recalled r ANTI JOIN out o USING (dump, doc_id) WHERE r.dump = d.dump) AS missing,
       (SELECT count(*) FROM out o ANTI JOIN recalled r USING (dump, doc_id) WHERE o.dump = d.dump) AS unexpected
FROM (SELECT DISTINCT dump FROM page_texts) d
ORDER BY dump
