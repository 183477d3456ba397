-- Duplicate rates: removed share of candidates, and residual exact duplicates in the final set
-- (same normalized question from different extracted pairs).
SELECT (SELECT count(*) FROM webinstruct_dedup) AS candidates,
       (SELECT count(*) FROM webinstruct_dedup WHERE decision <> 'kept') AS removed,
       (SELECT count(*) FROM (
           SELECT trim(regexp_replace(lower(question), '[^[:alnum:]]+', ' ', 'g')) AS q, count(DISTINCT pair_id) AS n
           FROM webinstruct GROUP BY 1 HAVING n > 1)) AS residual_duplicate_questions
