-- One set's random_subset: its size vs alpagasus_subset's kept count, and how many stored draws differ from a fresh draw with $seed.
WITH redrawn AS (
    SELECT decision,
           row_number() OVER (ORDER BY md5(CAST($seed AS VARCHAR) || ':' || example_id), example_id) AS fresh_rank
    FROM random_subset
    WHERE instruction_set = $instruction_set
)
SELECT count(*) FILTER (WHERE decision = 'kept') AS kept,
       (SELECT count(*) FROM alpagasus_subset a
         WHERE a.instruction_set = $instruction_set AND a.decision = 'kept') AS alpagasus_kept,
       count(*) FILTER (WHERE (decision = 'kept') <> (fresh_rank <= $size)) AS mismatched_draws
FROM redrawn
