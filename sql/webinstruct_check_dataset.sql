-- Reconciliation of the final dataset: candidates (kept refinements) = kept + removed duplicates.
SELECT 'all' AS dump,
       (SELECT count(*) FROM refined_qa WHERE kept) AS rows_in,
       (SELECT count(*) FROM webinstruct_dedup) AS rows_out,
       (SELECT count(*) FROM webinstruct_dedup WHERE kept) AS kept,
       (SELECT count(*) FROM webinstruct_dedup WHERE NOT kept) AS dropped,
       (SELECT count(*) FROM refined_qa r WHERE r.kept AND r.refined_id NOT IN (SELECT refined_id FROM webinstruct_dedup)) AS missing,
       (SELECT count(*) FROM webinstruct_dedup x WHERE x.kept AND x.id NOT IN (SELECT id FROM webinstruct)) +
       (SELECT count(*) FROM webinstruct w WHERE w.id NOT IN (SELECT id FROM webinstruct_dedup WHERE kept)) AS unexpected,
       0 AS inconsistent_pages
