-- Per set: random subset size vs AlpaGasus subset size, pool (kept + dropped) vs rated rows, and how many stored draws differ from a fresh draw with the stored seed.
WITH stored AS (
    SELECT instruction_set, any_value(seed) AS seed, any_value(target_size) AS target_size,
           count(*) FILTER (WHERE status = 'kept') AS kept, count(*) AS pool
    FROM random_subset GROUP BY instruction_set
), redrawn AS (
    SELECT r.instruction_set, r.example_id, r.status,
           row_number() OVER (PARTITION BY r.instruction_set
                              ORDER BY md5(CAST(st.seed AS VARCHAR) || ':' || r.example_id), r.example_id) AS fresh_rank,
           st.target_size
    FROM random_subset r JOIN stored st USING (instruction_set)
)
SELECT st.instruction_set, st.seed, st.target_size, st.kept, st.pool,
       (SELECT count(*) FROM quality_scores s WHERE s.instruction_set = st.instruction_set) AS rated,
       (SELECT count(*) FROM alpagasus_subset a
         WHERE a.instruction_set = st.instruction_set AND a.status = 'kept') AS alpagasus_kept,
       (SELECT count(*) FROM redrawn d WHERE d.instruction_set = st.instruction_set
         AND (d.status = 'kept') <> (d.fresh_rank <= d.target_size)) AS mismatched_draws
FROM stored st
ORDER BY st.instruction_set
