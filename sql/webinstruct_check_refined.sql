-- Reconciliation of one dump: every kept pair has exactly one row per refiner ($refiners),
-- kept or rejected with a reason.
WITH pairs AS (SELECT pair_id FROM extracted_qa WHERE status = 'kept' AND shard_key = $shard_key),
     out AS (SELECT * FROM refined_qa WHERE shard_key = $shard_key),
     per_pair AS (SELECT pair_id, count(*) AS n FROM out GROUP BY pair_id)
SELECT $shard_key AS dump,
       (SELECT count(*) FROM pairs) * $refiners AS rows_in,
       (SELECT count(*) FROM out) AS rows_out,
       (SELECT count(*) FROM out WHERE kept) AS kept,
       (SELECT count(*) FROM out WHERE NOT kept) AS dropped,
       (SELECT count(*) FROM pairs p ANTI JOIN per_pair c USING (pair_id)) AS missing,
       (SELECT count(*) FROM per_pair c ANTI JOIN pairs p USING (pair_id)) AS unexpected,
       (SELECT count(*) FROM per_pair WHERE n <> $refiners)
         + (SELECT count(*) FROM out WHERE status <> 'refined' AND coalesce(reason, '') = '') AS inconsistent_pages
