-- Reconciliation per dump: every kept pair has exactly one row per refiner, kept or rejected.
WITH pairs AS (SELECT dump, pair_id FROM extracted_qa WHERE status = 'kept' AND dump IN (SELECT DISTINCT dump FROM refined_qa)),
     refiners AS (SELECT dump, count(DISTINCT refiner) AS n FROM refined_qa GROUP BY dump),
     per_pair AS (SELECT dump, pair_id, count(*) AS n FROM refined_qa GROUP BY ALL)
SELECT d.dump,
       (SELECT count(*) FROM pairs p WHERE p.dump = d.dump) * r.n AS rows_in,
       (SELECT count(*) FROM refined_qa o WHERE o.dump = d.dump) AS rows_out,
       (SELECT count(*) FROM refined_qa o WHERE o.dump = d.dump AND o.kept) AS kept,
       (SELECT count(*) FROM refined_qa o WHERE o.dump = d.dump AND NOT o.kept) AS dropped,
       (SELECT count(*) FROM pairs p ANTI JOIN per_pair c USING (dump, pair_id) WHERE p.dump = d.dump) AS missing,
       (SELECT count(*) FROM per_pair c ANTI JOIN pairs p USING (dump, pair_id) WHERE c.dump = d.dump) AS unexpected,
       (SELECT count(*) FROM per_pair c WHERE c.dump = d.dump AND c.n <> r.n) AS inconsistent_pages
FROM (SELECT DISTINCT dump FROM refined_qa) d JOIN refiners r USING (dump)
ORDER BY d.dump
